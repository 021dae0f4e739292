//! Checks that need more than one attribute or the whole model at once.

use crate::ast::{Field, Input};
use crate::attr::Errors;

/// Reports every inconsistency in `input` to `errors`.
pub fn check(input: &Input, errors: &mut Errors) {
    for field in input.all_fields() {
        check_field(field, errors);
    }
}

fn check_field(field: &Field, errors: &mut Errors) {
    let attrs = &field.attrs;
    if let (Some(_), Some((with, _))) = (attrs.skip, &attrs.with) {
        errors.at(
            *with,
            "`with` and `skip` cannot be used together on one field: a skipped field \
             adds no heap, so there is nothing for `with` to measure; keep one of them",
        );
    }
    if let (Some(_), Some((add_heap, _))) = (attrs.skip, &attrs.add_heap) {
        errors.at(
            *add_heap,
            "`add_heap` and `skip` cannot be used together on one field: a skipped field \
             adds no heap, so there is nothing for `add_heap` to measure; keep one of them",
        );
    }
    if let Some((adapter, _)) = &attrs.adapter {
        let other = if attrs.skip.is_some() {
            Some("`skip`: a skipped field adds no heap, so there is nothing to measure")
        } else if attrs.with.is_some() {
            Some("`with`: both measure it")
        } else if attrs.add_heap.is_some() {
            Some("`add_heap`: both measure it")
        } else {
            None
        };
        if let Some(other) = other {
            errors.at(
                *adapter,
                format!("`as` cannot be used together with {other}; keep one of them"),
            );
        }
    }
    if let (Some(_), Some((add_heap, _))) = (&attrs.with, &attrs.add_heap) {
        errors.at(
            *add_heap,
            "`add_heap` and `with` cannot be used together on one field: both measure it; \
             keep `add_heap`, which reports allocations exactly, or `with`",
        );
    }
}
