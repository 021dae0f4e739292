//! The `#[memsize(...)]` attributes, parsed with `parse_nested_meta`.
//!
//! One namespace, three places:
//!
//! - on the struct or enum: `bound = "..."`, `crate = "path"`;
//! - on a field: `skip`, `with = path`, `add_heap = path`, `as = "Type"`;
//! - on an enum variant or a generic parameter: nothing (every key is an
//!   error that says where it belongs).
//!
//! Every mistake becomes a `syn::Error` spanned at the key and pushed to a
//! shared [`Errors`]; parsing goes on, so all mistakes in one input are
//! reported together.

use proc_macro2::Span;
use syn::meta::ParseNestedMeta;
use syn::punctuated::Punctuated;
use syn::{Attribute, LitStr, Path, Token, WherePredicate};

/// The errors found so far in one input, reported together at the end.
#[derive(Default)]
pub struct Errors {
    first: Option<syn::Error>,
}

impl Errors {
    /// Adds one error.
    pub fn push(&mut self, error: syn::Error) {
        match &mut self.first {
            Some(first) => first.combine(error),
            None => self.first = Some(error),
        }
    }

    /// Adds an error at `span`.
    pub fn at(&mut self, span: Span, message: impl std::fmt::Display) {
        self.push(syn::Error::new(span, message));
    }

    /// All the errors as one, if there were any.
    pub fn finish(self) -> Result<(), syn::Error> {
        match self.first {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }
}

/// The attributes of the struct or enum.
#[derive(Default)]
pub struct ContainerAttrs {
    /// `bound = "..."`: replaces the inferred bounds.
    pub bound: Option<Punctuated<WherePredicate, Token![,]>>,
    /// `crate = "path"`: where the `memsize` crate is.
    pub krate: Option<Path>,
}

/// The attributes of a field.
#[derive(Default)]
pub struct FieldAttrs {
    /// `skip`, with the span of the key.
    pub skip: Option<Span>,
    /// `with = path`: a `fn(&FieldType) -> usize` giving the field's heap
    /// bytes, and the span of the key.
    pub with: Option<(Span, Path)>,
    /// `add_heap = path`: a `fn(&FieldType, &mut Context)` adding the
    /// field's allocations one by one, and the span of the key.
    pub add_heap: Option<(Span, Path)>,
    /// `as = "Type"`: the adapter the field is measured through (`_` for
    /// a part that measures as itself), and the span of the key.
    pub adapter: Option<(Span, syn::Type)>,
}

/// The keys each place accepts, for the messages.
const CONTAINER_KEYS: &str = "`bound` or `crate`";
const FIELD_KEYS: &str = "`skip`, `as`, `add_heap` or `with`";

/// What an unknown or misplaced key is, for the message.
fn where_key_belongs(key: &str) -> Option<&'static str> {
    match key {
        "bound" | "crate" => Some("on the struct or enum"),
        "skip" | "with" | "add_heap" | "as" => Some("on a field"),
        _ => None,
    }
}

/// The name of a key as the user wrote it (`crate` is a keyword, which
/// `Path::get_ident` and `is_ident` both handle).
fn key_name(meta: &ParseNestedMeta) -> String {
    let path = &meta.path;
    let mut name = String::new();
    for (i, segment) in path.segments.iter().enumerate() {
        if i > 0 || path.leading_colon.is_some() {
            name.push_str("::");
        }
        name.push_str(&segment.ident.to_string());
    }
    name
}

/// The error for a key that this place does not take.
fn misplaced(meta: &ParseNestedMeta, place: &str, expected: &str) -> syn::Error {
    let key = key_name(meta);
    let message = match where_key_belongs(&key) {
        Some(belongs) => format!("`#[memsize({key})]` is not allowed {place}; it goes {belongs}"),
        None if expected.is_empty() => {
            format!("unknown memsize attribute `{key}`; none are allowed {place}")
        }
        None => format!("unknown memsize attribute `{key}` {place}; expected {expected}"),
    };
    meta.error(message)
}

/// Steps over whatever is left of a rejected key (`= value`, `(...)`, a
/// half-parsed value), up to the next comma, so that parsing can go on to
/// the next key.
fn skip_value(meta: &ParseNestedMeta) -> syn::Result<()> {
    while !meta.input.is_empty() && !meta.input.peek(Token![,]) {
        let _: proc_macro2::TokenTree = meta.input.parse()?;
    }
    Ok(())
}

/// Runs `each` on every key of every `#[memsize(...)]` in `attrs`.
/// Errors from `each` are collected and parsing goes on with the next key;
/// a syntax error ends that attribute.
fn for_each_key(
    attrs: &[Attribute],
    errors: &mut Errors,
    mut each: impl FnMut(&ParseNestedMeta) -> syn::Result<()>,
) {
    for attr in attrs.iter().filter(|a| a.path().is_ident("memsize")) {
        if let syn::Meta::Path(path) = &attr.meta {
            errors.at(
                syn::spanned::Spanned::span(path),
                "expected `#[memsize(...)]` with a list of keys",
            );
            continue;
        }
        let result = attr.parse_nested_meta(|meta| {
            if let Err(error) = each(&meta) {
                errors.push(error);
                // Step over the value so the next key can be checked.
                skip_value(&meta)?;
            }
            Ok(())
        });
        if let Err(error) = result {
            errors.push(error);
        }
    }
}

/// The error for a key given twice.
fn duplicate(meta: &ParseNestedMeta) -> syn::Error {
    meta.error(format!("duplicate memsize attribute `{}`", key_name(meta)))
}

/// Parses the attributes of the struct or enum.
pub fn container(attrs: &[Attribute], errors: &mut Errors) -> ContainerAttrs {
    let mut out = ContainerAttrs::default();
    let mut seen_bound = false;
    let mut seen_crate = false;
    for_each_key(attrs, errors, |meta| {
        if meta.path.is_ident("bound") {
            if std::mem::replace(&mut seen_bound, true) {
                return Err(duplicate(meta));
            }
            let lit: LitStr = meta.value()?.parse().map_err(|e| {
                syn::Error::new(
                    e.span(),
                    "expected a string after `bound =`: `bound = \"T: memsize::SizeOf\"`",
                )
            })?;
            let predicates =
                lit.parse_with(Punctuated::<WherePredicate, Token![,]>::parse_terminated)
                    .map_err(|e| {
                        syn::Error::new(
                            e.span(),
                            format!("malformed `bound`: {e}; expected where-clause predicates such as `bound = \"T: memsize::SizeOf\"`, or `bound = \"\"` for none"),
                        )
                    })?;
            out.bound = Some(predicates);
        } else if meta.path.is_ident("crate") {
            if std::mem::replace(&mut seen_crate, true) {
                return Err(duplicate(meta));
            }
            let value = meta.value()?;
            let path = if value.peek(LitStr) {
                let lit: LitStr = value.parse()?;
                lit.parse::<Path>().map_err(|e| {
                    syn::Error::new(e.span(), format!("malformed `crate`: {e}; expected a path such as `crate = \"my_crate::memsize\"`"))
                })?
            } else {
                value.parse::<Path>()?
            };
            out.krate = Some(path);
        } else {
            return Err(misplaced(meta, "on a struct or enum", CONTAINER_KEYS));
        }
        Ok(())
    });
    out
}

/// Parses the attributes of a field.
pub fn field(attrs: &[Attribute], errors: &mut Errors) -> FieldAttrs {
    let mut out = FieldAttrs::default();
    for_each_key(attrs, errors, |meta| {
        let span = syn::spanned::Spanned::span(&meta.path);
        if meta.path.is_ident("skip") {
            if out.skip.is_some() {
                return Err(duplicate(meta));
            }
            if !meta.input.is_empty() && !meta.input.peek(Token![,]) {
                return Err(meta.error("`skip` takes no value: write `#[memsize(skip)]`"));
            }
            out.skip = Some(span);
        } else if meta.path.is_ident("with") {
            if out.with.is_some() {
                return Err(duplicate(meta));
            }
            let path = function_path(meta, "with", "fn(&FieldType) -> usize")?;
            out.with = Some((span, path));
        } else if meta.path.is_ident("add_heap") {
            if out.add_heap.is_some() {
                return Err(duplicate(meta));
            }
            let path = function_path(
                meta,
                "add_heap",
                "for<'a> fn(&'a FieldType, &mut memsize::Context<'a>)",
            )?;
            out.add_heap = Some((span, path));
        } else if meta.path.is_ident("as") {
            if out.adapter.is_some() {
                return Err(duplicate(meta));
            }
            out.adapter = Some((span, adapter_type(meta)?));
        } else {
            return Err(misplaced(meta, "on a field", FIELD_KEYS));
        }
        Ok(())
    });
    out
}

/// The type after `as =`, bare or in a string: an adapter that mirrors the
/// field's type (`BTreeSet<(HeapFree, _)>`).
fn adapter_type(meta: &ParseNestedMeta) -> syn::Result<syn::Type> {
    let expected = |span| {
        syn::Error::new(
            span,
            "expected an adapter type after `as =` that mirrors the field's type, \
             such as `as = \"Vec<HeapFree>\"` or `as = \"HashMap<_, MyAdapter>\"` \
             (`_` for a part measured as itself)",
        )
    };
    let value = meta.value()?;
    if value.peek(LitStr) {
        let lit: LitStr = value.parse()?;
        lit.parse::<syn::Type>().map_err(|_| expected(lit.span()))
    } else {
        value.parse::<syn::Type>().map_err(|e| expected(e.span()))
    }
}

/// The path after `key =`, bare or in a string: a function of type
/// `signature`. Anything else is an error that says so.
fn function_path(meta: &ParseNestedMeta, key: &str, signature: &str) -> syn::Result<Path> {
    let expected = |span| {
        syn::Error::new(
            span,
            format!(
                "expected a path to a function of type `{signature}` after `{key} =`, \
                 such as `{key} = my_module::{key}_of`"
            ),
        )
    };
    let value = meta.value()?;
    if value.peek(LitStr) {
        let lit: LitStr = value.parse()?;
        lit.parse::<Path>().map_err(|_| expected(lit.span()))
    } else {
        value.parse::<Path>().map_err(|e| expected(e.span()))
    }
}

/// Rejects every `#[memsize(...)]` key in a place that takes none: an enum
/// variant, a generic parameter.
pub fn none(attrs: &[Attribute], place: &str, errors: &mut Errors) {
    for_each_key(attrs, errors, |meta| Err(misplaced(meta, place, "")));
}
