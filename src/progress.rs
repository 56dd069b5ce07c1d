//! Progress of long work, reported to whoever the caller hands in; the library never
//! prints it. The command line draws it on stderr in git's style ("Merging tracks:  18%
//! (12/65)"); tests and library users pass [`Silent`].

/// Receives progress. Called from worker threads too, hence `Sync` and `&self`.
pub trait Progress: Sync {
    /// A new stage of `total` items (0: the total is not known).
    fn start(&self, label: &str, total: usize);
    /// One more item of the current stage is done.
    fn tick(&self);
    /// The current stage is over.
    fn finish(&self);
}

/// Reports nothing.
pub struct Silent;

impl Progress for Silent {
    fn start(&self, _: &str, _: usize) {}
    fn tick(&self) {}
    fn finish(&self) {}
}

/// Runs `work` as one stage of `progress`, finished even when `work` fails.
pub fn stage<T>(progress: &dyn Progress, label: &str, total: usize, work: impl FnOnce() -> T) -> T {
    progress.start(label, total);
    let result = work();
    progress.finish();
    result
}
