//! Generates the full-size synthetic repository and reports how long that took:
//! `cargo bench --bench synth_size`. The other benchmarks build on the same generator.

mod synth;

fn main() {
    let start = std::time::Instant::now();
    let s = synth::generate(&synth::Spec::default());
    let files = synth::git(&s.repo, &["ls-files"]).lines().count();
    println!(
        "synthetic repository: {files} files, {} tracks, {} overlapping pairs ({} conflicting), {} conflicting with integration; built in {:.1?}",
        s.tracks.len(),
        s.expected.pairs.len(),
        s.expected.pairs.iter().filter(|p| p.2.conflicts()).count(),
        s.expected.conflict_with_integration.len(),
        start.elapsed()
    );
}
