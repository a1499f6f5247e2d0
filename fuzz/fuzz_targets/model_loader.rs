//! libFuzzer target: `harness::model_loader` (see harness.rs for the properties it checks).
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Err(why) = harness::model_loader(data) {
        panic!("{why}");
    }
});
