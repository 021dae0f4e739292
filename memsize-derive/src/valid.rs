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
    if let (Some(_), Some((with, _))) = (field.attrs.skip, &field.attrs.with) {
        errors.at(
            *with,
            "`with` and `skip` cannot be used together on one field: a skipped field \
             adds no heap, so there is nothing for `with` to measure; keep one of them",
        );
    }
}
