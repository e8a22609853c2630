//! doorstep-core: the whole behaviour of Doorstep, with no UI, shared by the
//! phone apps (through doorstep-ffi), the server and the command line.
//!
//! | module | holds |
//! |---|---|
//! | [`domain`] | the administrative tree, households, residents, tags, visits, ID numbers, phones |
//! | [`store`] | the encrypted device database: keys, migrations, households |
//! | [`search`] | finding households by name, pinyin, initials, address, ID ending |
//! | [`forms`] | form definitions, expressions, validation, XLSForm, templates, schedules |
//! | [`evidence`] | GPS door checks, geofence, GCJ-02, the photo pipeline |
//! | [`sync`] | the sync protocol, HTTP client and engine |
//! | [`device`] | what a phone does: visits, door checks, photos, finalize, sync |
//! | [`changes`] | telling the screens that data changed, so they refresh without polling |
//! | [`clock`] | the device's "now", fixed in tests and screenshots |
//! | [`display`] | dates, moments and counts in the words the phone shows (zh, en) |
//! | [`due`] | what is due across every household, and its words |
//! | [`home`] | the home screen: due, returned, drafts, waiting, last sync |
//! | [`household_list`] | the household list: search, filters, pages, badges, tags in words |
//! | [`sign_in`] | signing in (errors in words, the address kept) and out (refused while visits wait) |
//! | [`outbox_view`] | the outbox as the worker sees it |
//! | [`settings`] | the phone's settings and the network it is on, and what they allow a sync |
//! | [`door_session`] | the door-check screen as a state machine fed with fixes and the time |
//! | [`field_words`] | an answer in words: dates, money in 元, choice labels |
//! | [`screen`] | screen models for the phones: a visit form as it stands, a household |
//! | [`visit_pages`] | a visit form's sections, the worker's place in her open visit, 完成 |
//! | [`test_hook`] | a pause point for crash tests, off unless `DOORSTEP_TEST_PAUSE` names it |
//!
//! Personal data (names, ID numbers, phones, positions, answers) never appears
//! in an error message or a log line of this crate.

pub use doorstep_evidence as evidence;
pub use doorstep_forms as forms;
pub use doorstep_model as domain;

pub mod changes;
pub mod clock;
pub mod device;
pub mod display;
pub mod door_session;
pub mod due;
pub mod field_words;
pub mod home;
pub mod household_list;
pub mod outbox_view;
pub mod screen;
pub mod search;
pub mod settings;
pub mod sign_in;
pub mod store;
pub mod sync;
pub mod test_hook;
pub mod visit_pages;
