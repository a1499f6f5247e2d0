//! Reading contacts: CSV (delimiter found by itself), JSON Lines, Parquet, a spreadsheet's sheet
//! (XLSX), or a model's in-model samples,
//! into columns of text, and from those into typed columns for the engine.
//!
//! A contacts file is read in chunks of rows, so that `score` streams a file of any size in
//! constant memory and the designer reads a whole file as one chunk. A cell that does not
//! parse as its field's kind is a missing value, counted per field; it never stops a run. A
//! file that is not a table at all is one error naming the file.

pub mod blocks;
pub mod parquet_file;
pub mod read;
pub mod table;
pub mod typed;
pub mod xlsx;

pub use read::{ContactsError, ContactsReader, read_contacts, read_contacts_and_footer};
pub use table::{Table, TextColumn};
pub use typed::{FieldQuality, Typed, parse_bool, parse_number};
