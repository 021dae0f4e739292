//! A model of the input that borrows from the `syn` tree and keeps its spans:
//! the shape (struct or enum, each variant, each field) and the parsed
//! attributes, built in one pass that collects every error.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{DeriveInput, Generics, Ident, Member, Type};

use crate::attr::{self, ContainerAttrs, Errors, FieldAttrs};

/// The type being derived for.
pub struct Input<'a> {
    pub ident: &'a Ident,
    pub generics: &'a Generics,
    pub attrs: ContainerAttrs,
    pub data: Data<'a>,
    /// `#[repr(packed)]` or `#[repr(packed(N))]`: no reference to a field may
    /// be taken.
    pub packed: bool,
}

/// A struct's fields or an enum's variants.
pub enum Data<'a> {
    Struct(Vec<Field<'a>>),
    Enum(Vec<Variant<'a>>),
}

/// One variant of an enum.
pub struct Variant<'a> {
    pub ident: &'a Ident,
    pub fields: Vec<Field<'a>>,
}

/// One field.
pub struct Field<'a> {
    /// Its name or index.
    pub member: Member,
    pub ty: &'a Type,
    pub attrs: FieldAttrs,
}

impl Field<'_> {
    /// Where errors about this field point: its type. Computed on demand:
    /// joining the spans walks the type's tokens.
    pub fn span(&self) -> Span {
        self.ty.span()
    }

    /// The name `add_field` reports: the field's name, or its index for a
    /// tuple field.
    pub fn name(&self) -> String {
        match &self.member {
            Member::Named(ident) => {
                let name = ident.to_string();
                name.strip_prefix("r#").map(str::to_owned).unwrap_or(name)
            }
            Member::Unnamed(index) => index.index.to_string(),
        }
    }

    /// Whether the field's heap is added (skipped fields have none).
    pub fn is_measured(&self) -> bool {
        self.attrs.skip.is_none()
    }

    /// Whether a function of the user's measures the field (`with` or
    /// `add_heap`), so its type needs no `SizeOf`.
    pub fn has_function(&self) -> bool {
        self.attrs.with.is_some() || self.attrs.add_heap.is_some()
    }

    /// The adapter of `#[memsize(as = "...")]`, with each `_` spelled as
    /// `krate::adapt::Same`.
    pub fn adapter(&self, krate: &impl quote::ToTokens) -> Option<syn::Type> {
        let (_, ty) = self.attrs.adapter.as_ref()?;
        let mut ty = ty.clone();
        let same: syn::Type = syn::parse_quote!(#krate::adapt::Same);
        replace_infer(&mut ty, &same);
        Some(ty)
    }
}

/// Replaces every `_` in `ty` by `with`, through the type shapes an adapter
/// is written in: paths with generic arguments, tuples, arrays, slices,
/// references, parentheses.
fn replace_infer(ty: &mut syn::Type, with: &syn::Type) {
    match ty {
        syn::Type::Infer(_) => *ty = with.clone(),
        syn::Type::Path(path) => {
            if let Some(qself) = &mut path.qself {
                replace_infer(&mut qself.ty, with);
            }
            for segment in &mut path.path.segments {
                if let syn::PathArguments::AngleBracketed(args) = &mut segment.arguments {
                    for arg in &mut args.args {
                        if let syn::GenericArgument::Type(t) = arg {
                            replace_infer(t, with);
                        }
                    }
                }
            }
        }
        syn::Type::Tuple(tuple) => tuple.elems.iter_mut().for_each(|t| replace_infer(t, with)),
        syn::Type::Array(array) => replace_infer(&mut array.elem, with),
        syn::Type::Slice(slice) => replace_infer(&mut slice.elem, with),
        syn::Type::Reference(r) => replace_infer(&mut r.elem, with),
        syn::Type::Paren(p) => replace_infer(&mut p.elem, with),
        syn::Type::Group(g) => replace_infer(&mut g.elem, with),
        _ => {}
    }
}

impl<'a> Input<'a> {
    /// Builds the model, collecting every error about the shape and the
    /// attributes into `errors`. Returns `None` only for inputs that have no
    /// model at all (unions).
    pub fn from_syn(input: &'a DeriveInput, errors: &mut Errors) -> Option<Self> {
        let attrs = attr::container(&input.attrs, errors);
        for param in &input.generics.params {
            let attrs = match param {
                syn::GenericParam::Type(p) => &p.attrs,
                syn::GenericParam::Lifetime(p) => &p.attrs,
                syn::GenericParam::Const(p) => &p.attrs,
            };
            attr::none(attrs, "on a generic parameter", errors);
        }
        let data = match &input.data {
            syn::Data::Struct(data) => Data::Struct(fields(&data.fields, errors)),
            syn::Data::Enum(data) => Data::Enum(
                data.variants
                    .iter()
                    .map(|variant| {
                        attr::none(&variant.attrs, "on an enum variant", errors);
                        Variant {
                            ident: &variant.ident,
                            fields: fields(&variant.fields, errors),
                        }
                    })
                    .collect(),
            ),
            syn::Data::Union(data) => {
                errors.at(
                    data.union_token.span,
                    "`#[derive(SizeOf)]` does not support unions: which field is live \
                     is not known, so their heap can't be measured; implement \
                     `memsize::SizeOf` by hand",
                );
                return None;
            }
        };
        Some(Input {
            ident: &input.ident,
            generics: &input.generics,
            attrs,
            data,
            packed: is_packed(input),
        })
    }

    /// Every field of every variant.
    pub fn all_fields(&self) -> Box<dyn Iterator<Item = &Field<'a>> + '_> {
        match &self.data {
            Data::Struct(fields) => Box::new(fields.iter()),
            Data::Enum(variants) => Box::new(variants.iter().flat_map(|v| v.fields.iter())),
        }
    }
}

fn fields<'a>(fields: &'a syn::Fields, errors: &mut Errors) -> Vec<Field<'a>> {
    fields
        .iter()
        .enumerate()
        .map(|(i, field)| Field {
            member: match &field.ident {
                Some(ident) => {
                    // The macro's span, like `self` before it.
                    let mut ident = ident.clone();
                    ident.set_span(Span::call_site());
                    Member::Named(ident)
                }
                None => Member::Unnamed(syn::Index {
                    index: i as u32,
                    span: Span::call_site(),
                }),
            },
            ty: &field.ty,
            attrs: attr::field(&field.attrs, errors),
        })
        .collect()
}

/// Whether a `#[repr(...)]` on the input says `packed`.
fn is_packed(input: &DeriveInput) -> bool {
    let mut packed = false;
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("repr")) {
        // A malformed `repr` is rustc's to report, so the result is ignored.
        let _ = attr.parse_nested_meta(|meta| {
            packed |= meta.path.is_ident("packed");
            // `packed(N)`, `align(N)`: step over the argument.
            if meta.input.peek(syn::token::Paren) {
                let _content;
                syn::parenthesized!(_content in meta.input);
            }
            Ok(())
        });
    }
    packed
}
