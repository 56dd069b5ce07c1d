//! The benchmark generator's promises, checked against git on a small instance.

use crate::synth;

use synth::{Meeting, Spec, generate, git};

fn merge_tree(repo: &std::path::Path, ours: &str, theirs: &str) -> (bool, String) {
    let out = synth::git_cmd(repo)
        .args(["merge-tree", "--write-tree", ours, theirs])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    (
        out.status.success(),
        stdout.lines().next().unwrap_or_default().to_owned(),
    )
}

#[test]
fn synthetic_repository_has_the_promised_shape_and_verdicts() {
    let s = generate(&Spec {
        files: 2000,
        tracks: 34,
        history: 250,
        checkout: false,
    });
    let files = git(&s.repo, &["ls-tree", "-r", "--name-only", "main"]);
    assert_eq!(files.lines().filter(|l| l.starts_with('m')).count(), 2000);
    assert_eq!(s.tracks.len(), 34);
    assert_eq!(s.expected.pairs.len(), 4, "{:?}", s.expected.pairs);
    let integration = git(&s.repo, &["rev-parse", "integration"])
        .trim()
        .to_owned();

    for t in &s.tracks {
        let (clean, _) = merge_tree(&s.repo, &integration, &t.tip);
        let expected_clean = !s.expected.conflict_with_integration.contains(&t.name);
        assert_eq!(clean, expected_clean, "{} into integration", t.name);
    }
    for (a, b, meeting) in &s.expected.pairs {
        // Merge A into integration, then B into that result, as the ordered merge would.
        let (clean_a, tree_a) = merge_tree(&s.repo, &integration, &format!("track/{a}"));
        assert!(clean_a);
        let commit_a = git(
            &s.repo,
            &[
                "commit-tree",
                &tree_a,
                "-p",
                &integration,
                "-p",
                &format!("track/{a}"),
                "-m",
                "a",
            ],
        );
        let (clean_b, _) = merge_tree(&s.repo, commit_a.trim(), &format!("track/{b}"));
        assert_eq!(!clean_b, meeting.conflicts(), "{a} then {b}: {meeting:?}");
    }
    assert!(s.expected.pairs.iter().any(|p| p.2 == Meeting::SameChange));
    assert_eq!(s.expected.conflict_with_integration, vec!["t33".to_owned()]);
}
