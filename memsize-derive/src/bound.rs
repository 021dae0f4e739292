//! The where clause of the derived impl.
//!
//! Without `#[memsize(bound = "...")]`, each measured field whose type
//! mentions a type parameter adds `FieldType: SizeOf`, once per distinct
//! type. Fields that are skipped or measured `with` a function add nothing,
//! and so does `PhantomData<..>`, which owns nothing whatever it holds.
//!
//! A field whose type names the type being derived (`Box<List<T>>`,
//! `Vec<Self>`) would make a bound that refers back to the impl itself,
//! which rustc can't prove (it overflows); such a field adds `P: SizeOf`
//! instead for each type parameter `P` it mentions outside the references
//! to the type itself (`K` in `HashMap<K, Box<Tree<K, V>>>`, nothing in
//! `Box<List<T>>`). The field's own bound then follows from the impl:
//! `Box<List<T>>: SizeOf` holds because `List<T>: SizeOf` does.
//!
//! Types that refer to each other (`A<T>` holds `Vec<B<T>>`, `B<T>` holds
//! `Box<A<T>>`) can't be seen from one derive; one of them needs `bound`.

use std::collections::HashSet;

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned, ToTokens};
use syn::visit::Visit;
use syn::{Ident, Path};

use crate::ast::Input;

/// The impl's where clause: the type's own, then the `bound` attribute's
/// predicates or the inferred ones. Written as tokens (empty when there is
/// no predicate), without building a `syn::WhereClause` to print again.
pub fn where_clause(input: &Input, krate: &impl ToTokens) -> TokenStream {
    let own = input.generics.where_clause.as_ref().map(|w| &w.predicates);
    let mut tokens = TokenStream::new();
    // Whether a predicate was written that no comma follows yet.
    let mut open = false;
    if let Some(own) = own.filter(|own| !own.is_empty()) {
        own.to_tokens(&mut tokens);
        open = !own.trailing_punct();
    }
    let mut add = |predicate: &dyn ToTokens, tokens: &mut TokenStream| {
        if open {
            <syn::Token![,]>::default().to_tokens(tokens);
        }
        predicate.to_tokens(tokens);
        open = true;
    };
    match &input.attrs.bound {
        Some(predicates) => {
            for predicate in predicates {
                add(predicate, &mut tokens);
            }
        }
        None => {
            for predicate in inferred(input, krate) {
                add(&predicate, &mut tokens);
            }
        }
    }
    if tokens.is_empty() {
        return tokens;
    }
    let mut clause = quote!(where);
    clause.extend(tokens);
    clause
}

/// The inferred predicates, de-duplicated, in field order.
fn inferred(input: &Input, krate: &impl ToTokens) -> Vec<TokenStream> {
    let params: HashSet<&Ident> = input.generics.type_params().map(|p| &p.ident).collect();
    if params.is_empty() {
        return Vec::new();
    }
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    let mut push = |predicate: TokenStream| {
        if seen.insert(predicate.to_string()) {
            out.push(predicate);
        }
    };
    for field in input.all_fields() {
        if !field.is_measured() || field.has_function() || is_phantom(field.ty) {
            continue;
        }
        let mut mentions = Mentions {
            params: &params,
            found: Vec::new(),
            own_name: input.ident,
            recursive: false,
        };
        mentions.visit_type(field.ty);
        if let Some(adapter) = field.adapter(krate) {
            // Measured through an adapter: the adapter must measure the
            // field's type.
            let ty = field.ty;
            if !mentions.found.is_empty() {
                push(quote_spanned!(field.span()=> #adapter: #krate::adapt::SizeOfAs<#ty>));
            }
            continue;
        }
        if mentions.recursive {
            for param in mentions.found {
                push(quote_spanned!(field.span()=> #param: #krate::SizeOf));
            }
        } else if !mentions.found.is_empty() {
            let ty = field.ty;
            push(quote_spanned!(field.span()=> #ty: #krate::SizeOf));
        }
    }
    out
}

/// Whether `ty` is `PhantomData<..>` (by any path).
fn is_phantom(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Path(ty) => ty.qself.is_none() && ends_with(&ty.path, "PhantomData"),
        syn::Type::Group(group) => is_phantom(&group.elem),
        syn::Type::Paren(paren) => is_phantom(&paren.elem),
        _ => false,
    }
}

fn ends_with(path: &Path, name: &str) -> bool {
    path.segments.last().is_some_and(|s| s.ident == name)
}

/// Which type parameters a type mentions (outside `PhantomData`), and
/// whether it names the type being derived.
struct Mentions<'p> {
    params: &'p HashSet<&'p Ident>,
    found: Vec<&'p Ident>,
    own_name: &'p Ident,
    recursive: bool,
}

impl<'p> Mentions<'p> {
    fn found_ident(&mut self, ident: &Ident) {
        if let Some(param) = self.params.get(ident) {
            if !self.found.contains(param) {
                self.found.push(param);
            }
        }
    }
}

impl<'ast> Visit<'ast> for Mentions<'_> {
    fn visit_type_path(&mut self, ty: &'ast syn::TypePath) {
        if ty.qself.is_none() && ends_with(&ty.path, "PhantomData") {
            return;
        }
        syn::visit::visit_type_path(self, ty);
    }

    fn visit_path(&mut self, path: &'ast Path) {
        // Only `Self` (or `Self::..`) and the bare name are the type itself:
        // `std::collections::HashMap<K, V>` in a `struct HashMap<K, V>`, or
        // `inner::Config<T>` in a `struct Config<T>`, is another type.
        let first_is_self = path.leading_colon.is_none()
            && path.segments.first().is_some_and(|s| s.ident == "Self");
        let bare_own_name = path.leading_colon.is_none()
            && path.segments.len() == 1
            && path.segments[0].ident == *self.own_name;
        if first_is_self || bare_own_name {
            // The type itself: what its arguments need, the impl provides.
            self.recursive = true;
            return;
        }
        if path.leading_colon.is_none() {
            // `T`, `T::Assoc`
            if let Some(first) = path.segments.first() {
                self.found_ident(&first.ident);
            }
        }
        syn::visit::visit_path(self, path);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        // A type written by a macro: whatever parameter its tokens name may
        // end up in the type.
        fn walk(tokens: TokenStream, this: &mut Mentions) {
            for tree in tokens {
                match tree {
                    proc_macro2::TokenTree::Ident(ident) => {
                        if ident == "Self" || ident == *this.own_name {
                            this.recursive = true;
                        }
                        this.found_ident(&ident);
                    }
                    proc_macro2::TokenTree::Group(group) => walk(group.stream(), this),
                    _ => {}
                }
            }
        }
        walk(mac.tokens.clone(), self);
    }
}

#[cfg(test)]
mod tests {
    use quote::ToTokens;

    use crate::ast::Input;
    use crate::attr::Errors;

    /// The where clause derived for `item`, as a string.
    fn bounds(item: &str) -> String {
        let input: syn::DeriveInput = syn::parse_str(item).unwrap();
        let mut errors = Errors::default();
        let model = Input::from_syn(&input, &mut errors).unwrap();
        errors.finish().unwrap();
        let krate = quote::quote!(m);
        super::where_clause(&model, &krate)
            .to_token_stream()
            .to_string()
    }

    #[test]
    fn only_fields_that_mention_a_type_parameter() {
        assert_eq!(bounds("struct S { a: String }"), "");
        assert_eq!(
            bounds("struct S<'a, const N: usize> { a: &'a [u8; N] }"),
            ""
        );
        assert_eq!(
            bounds("struct S<T> { a: T, b: Vec<T>, c: u8, d: Vec<T> }"),
            "where T : m :: SizeOf , Vec < T > : m :: SizeOf"
        );
        assert_eq!(
            bounds("struct S<I: Iterator> { a: I::Item, b: <I as Iterator>::Item }"),
            "where I :: Item : m :: SizeOf , < I as Iterator > :: Item : m :: SizeOf"
        );
    }

    #[test]
    fn skip_with_and_phantom_add_none() {
        let item = "struct S<T, U, V> {
            #[memsize(skip)] a: T,
            #[memsize(with = f)] b: U,
            c: PhantomData<V>,
            d: core::marker::PhantomData<T>,
        }";
        assert_eq!(bounds(item), "");
    }

    #[test]
    fn keeps_the_own_where_clause_and_the_bound_attribute_replaces() {
        assert_eq!(
            bounds("struct S<T> where T: Clone { a: Vec<T> }"),
            "where T : Clone , Vec < T > : m :: SizeOf"
        );
        assert_eq!(
            bounds("#[memsize(bound = \"T: X\")] struct S<T> where T: Clone { a: Vec<T> }"),
            "where T : Clone , T : X"
        );
        assert_eq!(
            bounds("#[memsize(bound = \"\")] struct S<T> { a: Vec<T> }"),
            ""
        );
    }

    #[test]
    fn a_type_named_like_a_field_type_is_not_itself() {
        assert_eq!(
            bounds("struct HashMap<K, V>(std::collections::HashMap<K, V>);"),
            "where std :: collections :: HashMap < K , V > : m :: SizeOf"
        );
        assert_eq!(
            bounds("struct Config<T> { inner: inner::Config<T> }"),
            "where inner :: Config < T > : m :: SizeOf"
        );
        assert_eq!(
            bounds("struct Config<T> { next: Option<Box<Config<T>>>, v: T }"),
            "where T : m :: SizeOf"
        );
    }

    #[test]
    fn recursive_fields_bound_only_what_is_outside_the_type_itself() {
        assert_eq!(
            bounds("enum List<T> { Cons(T, Box<List<T>>), Nil }"),
            "where T : m :: SizeOf"
        );
        assert_eq!(bounds("struct S<T> { next: Option<Box<S<T>>> }"), "");
        assert_eq!(
            bounds("struct Tree<K, V> { children: HashMap<K, Box<Self>>, v: Vec<V> }"),
            "where K : m :: SizeOf , Vec < V > : m :: SizeOf"
        );
    }
}
