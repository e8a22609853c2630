//! Doorstep's form engine, the same code on the phone and on the server.
//!
//! - [`answer_words`]: an answer in words (dates, 元, choice labels), for phone and console.
//! - [`definition`]: the versioned JSON definition format (serde).
//! - [`expr`]: XLSForm-compatible expressions: parser, printer, static checks, evaluator.
//! - [`form`]: [`Form::load`] checks a definition and compiles its expressions.
//! - [`prefill`]: answers a visit knows when it starts (household code, date, head, members).
//! - [`validate`]: every problem in a set of answers at once, with paths and codes.
//! - `xlsform` (feature `xlsform`, on by default): import of XLSForm `.xlsx` workbooks. The
//!   phone library leaves it out: forms reach phones as JSON.
//! - [`templates`]: the built-in visit templates.
//! - [`registry`]: every version of every template; visits stay bound to theirs.
//! - [`schedule`] and [`calendar`]: what is due, by when, and what is overdue.

pub mod answer_words;
pub mod calendar;
pub mod definition;
pub mod expr;
pub mod form;
pub mod prefill;
pub mod registry;
pub mod schedule;
pub mod templates;
pub mod validate;
#[cfg(feature = "xlsform")]
pub mod xlsform;

pub use definition::{Choice, Field, FieldType, FormDefinition, LocalizedText};
pub use form::{Form, LoadError, LoadErrors};
pub use prefill::Prefill;
pub use validate::{Problem, Validation};
