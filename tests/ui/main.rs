//! Compile-time tests of `embed!()` with trybuild: each bad configuration
//! or migrations folder fails the build with an error that names the file
//! and line (checked-in `.stderr`), and valid ones build and run.

use std::path::{Path, PathBuf};

/// trybuild compiles the cases in `<target>/tests/trybuild/schema-runtime`,
/// which is their `CARGO_MANIFEST_DIR`: the fixtures go there.
fn copy_fixtures() {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("CARGO_TARGET_TMPDIR is <target>/tmp")
        .to_path_buf();
    let project = target.join("tests").join("trybuild").join("schema-runtime");
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/ui/fixtures");
    let to = project.join("fixtures");
    let _ = std::fs::remove_dir_all(&to);
    copy_dir(&from, &to);
}

fn copy_dir(from: &Path, to: &PathBuf) {
    std::fs::create_dir_all(to).expect("create fixture dir");
    for entry in std::fs::read_dir(from).expect("read fixture dir") {
        let entry = entry.expect("fixture entry");
        let dest = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &dest);
        } else {
            std::fs::copy(entry.path(), &dest).expect("copy fixture");
        }
    }
}

#[test]
fn ui() {
    copy_fixtures();
    let t = trybuild::TestCases::new();
    t.compile_fail("../tests/ui/fail/*.rs");
    t.pass("../tests/ui/pass/*.rs");
}
