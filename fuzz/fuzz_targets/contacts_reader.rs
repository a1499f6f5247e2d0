//! libFuzzer target: `harness::contacts_reader` (see harness.rs for the properties it checks).
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Err(why) = harness::contacts_reader(data) {
        panic!("{why}");
    }
});
