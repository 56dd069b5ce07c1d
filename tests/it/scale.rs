//! The scale run at test size: 1,000 tracks on a 2,000-file repository. Each command the
//! benchmark times (`cargo bench --bench scale`, 100,000 files) must work and agree with
//! what the repository holds; no timing is asserted here.

use crate::synth;

fn git_track(repo: &std::path::Path, args: &[&str]) -> (i32, String) {
    let out = synth::isolated(env!("CARGO_BIN_EXE_git-track"), repo)
        .args(args)
        .output()
        .expect("run git-track");
    let code = out.status.code().unwrap_or(-1);
    assert!(
        code == 0 || code == 1,
        "git track {args:?} failed ({code}): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (code, String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn a_thousand_tracks_list_status_overlap_check_and_dry_run() {
    let s = synth::generate(&synth::Spec {
        files: 2000,
        tracks: 1000,
        checkout: true,
        history: 0,
    });
    synth::register_fast(&s);
    synth::git(&s.repo, &["checkout", "-q", "track/t05"]);
    std::fs::write(s.repo.join("m05/d0/f000.txt"), "staged change\n").expect("write");
    synth::git(&s.repo, &["add", "m05/d0/f000.txt"]);

    let (_, list) = git_track(&s.repo, &["list", "--json"]);
    let listed: serde_json::Value = serde_json::from_str(&list).expect("json");
    assert_eq!(listed["tracks"].as_array().map(Vec::len), Some(1000));

    let (_, status) = git_track(&s.repo, &["status", "--json"]);
    serde_json::from_str::<serde_json::Value>(&status).expect("status json");

    // Eleven or so tracks share each module: they overlap.
    let (code, _) = git_track(&s.repo, &["overlap", "--level", "files"]);
    assert_eq!(code, 1, "overlaps are found");

    let (code, _) = git_track(&s.repo, &["check", "--staged"]);
    assert_eq!(code, 0, "t05 changes its own module");

    let (_, dry) = git_track(&s.repo, &["merge", "--dry-run", "--json"]);
    serde_json::from_str::<serde_json::Value>(&dry).expect("dry-run json");
    // Nothing moved.
    assert_eq!(
        synth::git(&s.repo, &["rev-parse", "integration"]),
        synth::git(&s.repo, &["rev-parse", "main"])
    );
}
