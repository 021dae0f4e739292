//! Code generation: the `SizeOf` impl for a checked model, or, when the
//! input has errors, a stub impl that keeps follow-on errors away.
//!
//! The impl stands alone (no `const _: () = { ... };` around it, which
//! would be one more body for rustc to check per type), names everything by
//! an absolute path (`::core::...`, the memsize crate's path), and its locals are
//! `__`-prefixed names chosen not to collide with the type's generic
//! parameters. Fields are reached through `self.field` or through match
//! bindings of generated names, so no user field name is ever a local.

use std::collections::HashSet;

use proc_macro2::{Punct, Spacing, Span, TokenStream, TokenTree};
use quote::{quote, ToTokens, TokenStreamExt};
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

/// Tokens written many times, kept as a list of trees: interpolating a
/// `TokenStream` costs a call into the compiler each time, cloning trees
/// into the stream being built does not.
pub struct Tokens(Vec<TokenTree>);

impl Tokens {
    fn new(stream: TokenStream) -> Self {
        Tokens(stream.into_iter().collect())
    }

    /// This path followed by `::segment` for each segment, built tree by
    /// tree (a `quote!` would go through the compiler).
    fn join(&self, segments: &[&str]) -> Self {
        let mut trees = self.0.clone();
        for segment in segments {
            trees.push(Punct::new(':', Spacing::Joint).into());
            trees.push(Punct::new(':', Spacing::Alone).into());
            trees.push(Ident::new(segment, Span::call_site()).into());
        }
        Tokens(trees)
    }
}

impl ToTokens for Tokens {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        tokens.extend(self.0.iter().cloned());
    }
}

/// The path of the memsize crate: `crate = "..."` or `::memsize`.
fn krate(path: Option<&Path>) -> Tokens {
    match path {
        Some(path) => Tokens::new(path.to_token_stream()),
        None => Tokens(Vec::new()).join(&["memsize"]),
    }
}

/// How the generated code reaches a field: `&self.member` in a struct, a
/// match binding (already a reference) in an enum.
#[derive(Clone, Copy)]
enum Reference<'a> {
    Member(&'a syn::Member),
    Binding(&'a Ident),
}

impl ToTokens for Reference<'_> {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        match self {
            Reference::Member(member) => {
                tokens.append(Punct::new('&', Spacing::Alone));
                tokens.append(Ident::new("self", Span::call_site()));
                tokens.append(Punct::new('.', Spacing::Alone));
                member.to_tokens(tokens);
            }
            Reference::Binding(binding) => binding.to_tokens(tokens),
        }
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
    /// `krate::__private::field`, the helper most fields are added by,
    /// written once per type rather than token by token for each field.
    field: Tokens,
}

impl Names {
    fn new(generics: &syn::Generics, krate: &Tokens) -> Self {
        let field = krate.join(&["__private", "field"]);
        if generics.params.is_empty() {
            return Names {
                lifetime: Lifetime::new("'__a", Span::call_site()),
                cx: Ident::new("__cx", Span::call_site()),
                binding: "__f".to_owned(),
                field,
            };
        }
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
            field,
        }
    }

    fn binding(&self, index: usize) -> Ident {
        Ident::new(&format!("{}{}", self.binding, index), Span::call_site())
    }
}

fn impl_size_of(input: &Input) -> TokenStream {
    let krate = krate(input.attrs.krate.as_ref());
    let names = Names::new(input.generics, &krate);
    let ident = input.ident;
    let (impl_generics, ty_generics, _) = input.generics.split_for_impl();
    let where_clause = bound::where_clause(input, &krate);
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
    // Left to the trait's default (false) where a field is known to own
    // heap: one function less per type for rustc to check.
    let is_heap_free = is_heap_free(input, &krate).map(|body| {
        quote! {
            #[inline]
            fn is_heap_free() -> ::core::primitive::bool {
                #body
            }
        }
    });

    quote! {
        #[automatically_derived]
        impl #impl_generics #krate::SizeOf for #ident #ty_generics #where_clause {
            #[inline]
            fn add_heap<#lifetime>(&#lifetime self, #cx: &mut #krate::Context<#lifetime>) {
                #add_heap
            }

            #is_heap_free
        }
    }
}

/// `add_heap` of a struct: each measured field, by reference.
fn struct_body(fields: &[Field], last_unsized: bool, krate: &Tokens, names: &Names) -> TokenStream {
    let last = fields.len().wrapping_sub(1);
    fields
        .iter()
        .enumerate()
        .map(|(i, field)| {
            let member = &field.member;
            if !field.is_measured() {
                return skipped_one(
                    field,
                    &field.name(),
                    Reference::Member(member),
                    krate,
                    names,
                );
            }
            let sized = !(last_unsized && i == last);
            add_one(
                field,
                &field.name(),
                Reference::Member(member),
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
    reference: Reference,
    sized: bool,
    krate: &Tokens,
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
        let field = &names.field;
        quote! {
            #field::<#ty>(#cx, #name, #reference);
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
    reference: Reference,
    krate: &Tokens,
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
fn packed_struct_body(fields: &[Field], krate: &Tokens, names: &Names) -> TokenStream {
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
fn enum_body(variants: &[Variant], krate: &Tokens, names: &Names) -> TokenStream {
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
                add_one(
                    field,
                    &name,
                    Reference::Binding(binding),
                    true,
                    krate,
                    names,
                )
            } else {
                skipped_one(field, &name, Reference::Binding(binding), krate, names)
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
///
/// `None` where a measured field's type is spelled as std's `String`,
/// `Vec`, `Box` or an `Option` of one (see `owns_heap`), whose
/// `is_heap_free` is false: the trait's default gives the same answer
/// without a function to check. (A type of one's own named `String` that
/// owns no heap then makes the answer false, which costs containers of the
/// type their constant time, never a wrong figure.)
///
/// One probe asks about a tuple of all the field types (one per 16 fields,
/// the largest tuple asked about), rather than one probe per field: the
/// probe's method resolution is the costly part of checking the impl.
fn is_heap_free(input: &Input, krate: &Tokens) -> Option<TokenStream> {
    let last = match &input.data {
        Data::Struct(fields) => fields.last(),
        Data::Enum(_) => None,
    };
    let mut types = Vec::new();
    for field in input.all_fields().filter(|f| f.is_measured()) {
        if field.has_function()
            || (last.is_some_and(|last| std::ptr::eq(last, field))
                && may_be_unsized(field.ty, input.generics))
        {
            return Some(quote!(false));
        }
        let ty = field.ty;
        if field.attrs.adapter.is_none() && owns_heap(ty) {
            return None;
        }
        types.push(match field.adapter(krate) {
            // The field seen through its adapter: a wrong adapter is
            // reported once, by `add_heap`.
            Some(adapter) => Seen::Adapted(quote!(#krate::adapt::As<#adapter, #ty>)),
            None => Seen::Plain(ty),
        });
    }
    if types.is_empty() {
        return Some(quote!(true));
    }
    // Through a probe that answers false for a type without `SizeOf`,
    // rather than an error: `add_heap` reports that type, once.
    let probes = types
        .chunks(16)
        .map(|chunk| quote!(#krate::__private::Probe::<(#(#chunk,)*)>::NEW.heap_free()));
    Some(quote!(#(#probes)&&*))
}

/// Whether `ty` is spelled as a std type whose `is_heap_free` is false
/// whatever its parameters: `String`, `Vec<..>`, `Box<..>`, or an
/// `Option<..>` of one; bare, or by its path from `std`, `alloc` or `core`.
fn owns_heap(ty: &syn::Type) -> bool {
    let syn::Type::Path(path) = ty else {
        return false;
    };
    if path.qself.is_some() {
        return false;
    }
    let segments = &path.path.segments;
    let Some(last) = segments.last() else {
        return false;
    };
    let from_std = match segments.len() {
        1 => path.path.leading_colon.is_none(),
        3 => {
            let first = &segments[0].ident;
            first == "std" || first == "alloc" || first == "core"
        }
        _ => false,
    };
    if !from_std {
        return false;
    }
    match &last.arguments {
        syn::PathArguments::None => last.ident == "String",
        syn::PathArguments::AngleBracketed(args) => {
            let name = last.ident.to_string();
            match name.as_str() {
                "Vec" | "Box" => true,
                "Option" => match args.args.first() {
                    Some(syn::GenericArgument::Type(inner)) if args.args.len() == 1 => {
                        owns_heap(inner)
                    }
                    _ => false,
                },
                _ => false,
            }
        }
        syn::PathArguments::Parenthesized(_) => false,
    }
}

/// The type `is_heap_free` asks about for a field: its own, or the adapter
/// view of it.
enum Seen<'a> {
    Plain(&'a syn::Type),
    Adapted(TokenStream),
}

impl ToTokens for Seen<'_> {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        match self {
            Seen::Plain(ty) => ty.to_tokens(tokens),
            Seen::Adapted(ty) => ty.to_tokens(tokens),
        }
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
    let names = Names::new(&input.generics, &krate);
    let lifetime = &names.lifetime;
    quote! {
        #[automatically_derived]
        impl #impl_generics #krate::SizeOf for #ident #ty_generics #where_clause {
            fn add_heap<#lifetime>(&#lifetime self, _: &mut #krate::Context<#lifetime>) {}
        }
    }
}
