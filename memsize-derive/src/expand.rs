//! Code generation: the `SizeOf` impl for a checked model, or, when the
//! input has errors, a stub impl that keeps follow-on errors away.
//!
//! The impl is wrapped in `const _: () = { ... };`, names everything by an
//! absolute path (`::core::...`, the memsize crate's path), and its locals are
//! `__`-prefixed names chosen not to collide with the type's generic
//! parameters. Fields are reached through `self.field` or through match
//! bindings of generated names, so no user field name is ever a local.

use std::collections::HashSet;

use proc_macro2::{Span, TokenStream};
use quote::{quote, ToTokens};
use syn::{DeriveInput, Ident, Lifetime, Path};

use crate::ast::{Data, Field, Input, Variant};
use crate::attr::Errors;
use crate::{bound, valid};

/// The impl for `input`, or every error found in it.
pub fn derive(input: &DeriveInput) -> syn::Result<TokenStream> {
    let mut errors = Errors::default();
    let model = Input::from_syn(input, &mut errors);
    if let Some(model) = &model {
        valid::check(model, &mut errors);
    }
    errors.finish()?;
    match model {
        Some(model) => Ok(impl_size_of(&model)),
        // No model means an error was reported.
        None => Ok(TokenStream::new()),
    }
}

/// The path of the memsize crate: `crate = "..."` or `::memsize`.
fn krate(path: Option<&Path>) -> TokenStream {
    match path {
        Some(path) => path.to_token_stream(),
        None => quote!(::memsize),
    }
}

/// The names the generated code declares, picked so that none is a generic
/// parameter of the type (a const parameter named like a local would turn
/// the local's pattern into a constant pattern).
struct Names {
    lifetime: Lifetime,
    cx: Ident,
    /// Match bindings are this prefix and the field's position.
    binding: String,
}

impl Names {
    fn new(generics: &syn::Generics) -> Self {
        let taken: HashSet<String> = generics
            .params
            .iter()
            .map(|param| match param {
                syn::GenericParam::Type(p) => p.ident.to_string(),
                syn::GenericParam::Lifetime(p) => p.lifetime.ident.to_string(),
                syn::GenericParam::Const(p) => p.ident.to_string(),
            })
            .collect();
        let fresh = |base: &str, clashes: &dyn Fn(&str, &str) -> bool| {
            let mut name = base.to_owned();
            while taken.iter().any(|t| clashes(&name, t)) {
                name.push('_');
            }
            name
        };
        let exact = |name: &str, taken: &str| name == taken;
        let prefix = |name: &str, taken: &str| taken.starts_with(name);
        Names {
            lifetime: Lifetime::new(&format!("'{}", fresh("__a", &exact)), Span::call_site()),
            cx: Ident::new(&fresh("__cx", &exact), Span::call_site()),
            binding: fresh("__f", &prefix),
        }
    }

    fn binding(&self, index: usize) -> Ident {
        Ident::new(&format!("{}{}", self.binding, index), Span::call_site())
    }
}

fn impl_size_of(input: &Input) -> TokenStream {
    let krate = krate(input.attrs.krate.as_ref());
    let names = Names::new(input.generics);
    let ident = input.ident;
    let (impl_generics, ty_generics, _) = input.generics.split_for_impl();
    let where_clause = bound::where_clause(input, &syn::parse_quote!(#krate));
    let lifetime = &names.lifetime;
    let cx = &names.cx;

    let add_heap = match &input.data {
        Data::Struct(fields) if input.packed => packed_struct_body(fields, &krate, &names),
        Data::Struct(fields) => {
            let last_unsized = fields
                .last()
                .is_some_and(|f| may_be_unsized(f.ty, input.generics));
            struct_body(fields, last_unsized, &krate, &names)
        }
        Data::Enum(variants) => enum_body(variants, &krate, &names),
    };
    let is_heap_free = is_heap_free(input, &krate);

    quote! {
        const _: () = {
            #[automatically_derived]
            impl #impl_generics #krate::SizeOf for #ident #ty_generics #where_clause {
                #[inline]
                fn add_heap<#lifetime>(&#lifetime self, #cx: &mut #krate::Context<#lifetime>) {
                    #add_heap
                }

                #[inline]
                fn is_heap_free() -> ::core::primitive::bool {
                    #is_heap_free
                }
            }
        };
    }
}

/// `add_heap` of a struct: each measured field, by reference.
fn struct_body(
    fields: &[Field],
    last_unsized: bool,
    krate: &TokenStream,
    names: &Names,
) -> TokenStream {
    let last = fields.len().wrapping_sub(1);
    fields
        .iter()
        .enumerate()
        .map(|(i, field)| {
            let member = &field.member;
            if !field.is_measured() {
                return skipped_one(field, &field.name(), quote!(&self.#member), krate, names);
            }
            let sized = !(last_unsized && i == last);
            add_one(
                field,
                &field.name(),
                quote!(&self.#member),
                sized,
                krate,
                names,
            )
        })
        .collect()
}

// Spans: `self`, the locals and the calls have the macro's span, so they
// resolve alike wherever the type was written (a `macro_rules!` too). The
// user's spans come in only through the field's type, given to the call as
// an explicit type argument, and the function paths: errors about a field
// (no `SizeOf`, a function of the wrong type) point at them, once.

/// The statement that adds one field's heap, given its name in reports and
/// an expression for a reference to the field. A sized field goes through
/// `__private::field`, which skips a heap-free type's field at compile time.
fn add_one(
    field: &Field,
    name: &str,
    reference: TokenStream,
    sized: bool,
    krate: &TokenStream,
    names: &Names,
) -> TokenStream {
    let cx = &names.cx;
    let ty = field.ty;
    if let Some((_, with)) = &field.attrs.with {
        return quote! {
            #cx.add_opaque(#krate::__private::with::<#ty>(#reference, #with));
        };
    }
    if let Some((_, add_heap)) = &field.attrs.add_heap {
        return quote! {
            #krate::__private::add_heap_with::<#ty>(#cx, #name, #reference, #add_heap);
        };
    }
    if let Some(adapter) = field.adapter(krate) {
        return quote! {
            #krate::__private::field_as::<#adapter, #ty>(#cx, #name, #reference);
        };
    }
    if sized {
        quote! {
            #krate::__private::field::<#ty>(#cx, #name, #reference);
        }
    } else {
        quote! {
            #cx.add_field::<#ty>(#name, #reference);
        }
    }
}

/// The statement that tells reports of a field left out with
/// `#[memsize(skip)]`: its name, type and inline bytes, and nothing else.
fn skipped_one(
    field: &Field,
    name: &str,
    reference: TokenStream,
    krate: &TokenStream,
    names: &Names,
) -> TokenStream {
    let cx = &names.cx;
    let ty = field.ty;
    quote! {
        #krate::__private::skipped_field::<#ty>(#cx, #name, #reference);
    }
}

/// `add_heap` of a `repr(packed)` struct. No reference to a field may be
/// taken, so each field is reached through a raw pointer that a helper
/// turns into a reference when the field happens to be aligned, or into a
/// bitwise copy that is never dropped when it is not.
fn packed_struct_body(fields: &[Field], krate: &TokenStream, names: &Names) -> TokenStream {
    let cx = &names.cx;
    let copy = names.binding(0);
    fields
        .iter()
        .map(|field| {
            let member = &field.member;
            let ty = field.ty;
            if !field.is_measured() {
                let name = field.name();
                return quote! {
                    #krate::__private::skipped_packed_field::<#ty>(#cx, #name);
                };
            }
            let pointer = quote!(::core::ptr::addr_of!(self.#member));
            // SAFETY (of the unsafe blocks): the pointer is to a field of
            // `*self`, which is initialized and shared-borrowed for the whole
            // call. The blocks have the macro's span: the unsafety is the
            // macro's, not the user's.
            let name = field.name();
            if let Some((_, add_heap)) = &field.attrs.add_heap {
                return quote! {
                    unsafe {
                        #krate::__private::with_packed_field::<#ty, _>(#pointer, |#copy| {
                            #krate::__private::add_heap_with_borrowed::<#ty>(#cx, #copy, #add_heap)
                        })
                    };
                };
            }
            if let Some(adapter) = field.adapter(krate) {
                let seen = quote!(#krate::adapt::As<#adapter, #ty>);
                return quote! {
                    unsafe {
                        #krate::__private::add_packed_field::<#seen>(
                            #cx, #name, #pointer as *const #seen,
                        )
                    };
                };
            }
            match &field.attrs.with {
                Some((_, with)) => quote! {
                    #cx.add_opaque(unsafe {
                        #krate::__private::with_packed_field::<#ty, _>(#pointer, |#copy| {
                            #krate::__private::with::<#ty>(#copy, #with)
                        })
                    });
                },
                None => {
                    quote! {
                        unsafe {
                            #krate::__private::add_packed_field::<#ty>(#cx, #name, #pointer)
                        };
                    }
                }
            }
        })
        .collect()
}

/// `add_heap` of an enum: a match that adds the live variant's fields.
fn enum_body(variants: &[Variant], krate: &TokenStream, names: &Names) -> TokenStream {
    if variants.is_empty() {
        return quote!(match *self {});
    }
    let arms = variants.iter().map(|variant| {
        let ident = variant.ident;
        let measured: Vec<(&Field, Ident)> = variant
            .fields
            .iter()
            .enumerate()
            .map(|(i, field)| (field, names.binding(i)))
            .collect();
        // Braces match every variant style: `V { 0: __f0, .. }`, `V { .. }`.
        let patterns = measured.iter().map(|(field, binding)| {
            let member = &field.member;
            quote!(#member: #binding)
        });
        // Reports name a variant's fields after the variant: `Cons.1`.
        let adds = measured.iter().map(|(field, binding)| {
            let name = format!("{}.{}", ident, field.name());
            if field.is_measured() {
                add_one(field, &name, binding.to_token_stream(), true, krate, names)
            } else {
                skipped_one(field, &name, binding.to_token_stream(), krate, names)
            }
        });
        quote! {
            Self::#ident { #(#patterns,)* .. } => { #(#adds)* }
        }
    });
    quote! {
        match self {
            #(#arms)*
        }
    }
}

/// `is_heap_free`: true when every measured field's type is heap-free. A
/// `with` field may own heap, so it makes the answer false; so does an
/// unsized last field, whose `is_heap_free` can't be called.
fn is_heap_free(input: &Input, krate: &TokenStream) -> TokenStream {
    let last = match &input.data {
        Data::Struct(fields) => fields.last(),
        Data::Enum(_) => None,
    };
    let mut seen = HashSet::new();
    let mut terms = Vec::new();
    for field in input.all_fields().filter(|f| f.is_measured()) {
        if field.has_function()
            || (last.is_some_and(|last| std::ptr::eq(last, field))
                && may_be_unsized(field.ty, input.generics))
        {
            return quote!(false);
        }
        let ty = field.ty;
        if let Some(adapter) = field.adapter(krate) {
            // The probe of the field seen through its adapter: a wrong
            // adapter is reported once, by `add_heap`.
            let seen = quote!(#krate::adapt::As<#adapter, #ty>);
            terms.push(quote!((&#krate::__private::Probe::<#seen>::NEW).heap_free()));
            continue;
        }
        if seen.insert(ty.to_token_stream().to_string()) {
            // Through a probe that answers false for a type without
            // `SizeOf`, rather than an error: `add_heap` reports that type,
            // once.
            terms.push(quote!((&#krate::__private::Probe::<#ty>::NEW).heap_free()));
        }
    }
    if terms.is_empty() {
        quote!(true)
    } else {
        quote! {{
            #[allow(unused_imports)]
            use #krate::__private::{ProbeFallback as _, ProbeSizeOf as _};
            #(#terms)&&*
        }}
    }
}

/// Whether a struct's last field may be unsized, as far as its spelling
/// tells: a slice, `str`, a trait object, or a type parameter declared
/// `?Sized`.
fn may_be_unsized(ty: &syn::Type, generics: &syn::Generics) -> bool {
    match ty {
        syn::Type::Slice(_) | syn::Type::TraitObject(_) => true,
        syn::Type::Group(group) => may_be_unsized(&group.elem, generics),
        syn::Type::Paren(paren) => may_be_unsized(&paren.elem, generics),
        syn::Type::Path(path) if path.qself.is_none() => {
            let Some(ident) = path.path.get_ident() else {
                return false;
            };
            if ident == "str" {
                return true;
            }
            let maybe =
                |bounds: &syn::punctuated::Punctuated<syn::TypeParamBound, syn::Token![+]>| {
                    bounds.iter().any(|b| {
                        matches!(b, syn::TypeParamBound::Trait(t)
                        if matches!(t.modifier, syn::TraitBoundModifier::Maybe(_)))
                    })
                };
            let in_params = generics
                .type_params()
                .any(|p| p.ident == *ident && maybe(&p.bounds));
            let in_where = generics
                .where_clause
                .iter()
                .flat_map(|w| &w.predicates)
                .any(|p| {
                    matches!(p, syn::WherePredicate::Type(p)
                    if *ident == p.bounded_ty.to_token_stream().to_string()
                        && maybe(&p.bounds))
                });
            in_params || in_where
        }
        _ => false,
    }
}

/// What is emitted next to the errors of a bad input: an impl with an empty
/// `add_heap`, so that uses of the type don't add errors of their own.
pub fn stub(input: &DeriveInput) -> TokenStream {
    let mut ignored = Errors::default();
    let attrs = crate::attr::container(&input.attrs, &mut ignored);
    let krate = krate(attrs.krate.as_ref());
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let names = Names::new(&input.generics);
    let lifetime = &names.lifetime;
    quote! {
        const _: () = {
            #[automatically_derived]
            impl #impl_generics #krate::SizeOf for #ident #ty_generics #where_clause {
                fn add_heap<#lifetime>(&#lifetime self, _: &mut #krate::Context<#lifetime>) {}
            }
        };
    }
}
