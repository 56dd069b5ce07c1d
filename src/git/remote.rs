//! Talking to remotes: fetch, push (with what git said of each ref), notes merges and
//! upstream branches.

use super::{Env, Git};
use anyhow::Result;
use std::path::Path;

/// `git fetch` of `refspecs` from `remote` into `dir`'s repository: no tags, no
/// FETCH_HEAD, and with `prune`, refs that the remote no longer has are removed from the
/// refspecs' destinations (so a definition removed there disappears from its
/// remote-tracking namespace here).
pub fn fetch(dir: &Path, remote: &str, refspecs: &[String], prune: bool) -> Result<()> {
    let mut args = vec!["fetch", "--quiet", "--no-tags", "--no-write-fetch-head"];
    if prune {
        args.push("--prune");
    }
    // `--end-of-options`: a remote name never reads as an option.
    args.extend(["--end-of-options", remote]);
    args.extend(refspecs.iter().map(String::as_str));
    Git::in_dir(dir).run(&args)?;
    Ok(())
}

/// One ref of a `git push --porcelain` report.
#[derive(Debug, Clone)]
pub struct PushedRef {
    /// `' '` fast-forward, `+` forced, `-` deleted, `*` new, `=` up to date, `!` rejected.
    pub flag: char,
    /// The destination ref on the remote.
    pub to: String,
    /// What git said, e.g. `[rejected] (stale info)`.
    pub summary: String,
}

/// What `git push` did.
#[derive(Debug, Clone)]
pub struct Pushed {
    pub success: bool,
    pub refs: Vec<PushedRef>,
    /// The command line and what git printed on stderr, for an error message.
    pub command: String,
    pub stderr: String,
}

impl Pushed {
    pub fn rejected(&self) -> impl Iterator<Item = &PushedRef> {
        self.refs.iter().filter(|r| r.flag == '!')
    }
}

/// `git push --porcelain` of `refspecs` to `remote`, each destination in `leases` pushed
/// only if the remote still has the expected value there (`None`: must not exist), so
/// that a concurrent writer is never overwritten; `atomic`: all refs or none.
pub fn push(
    dir: &Path,
    remote: &str,
    refspecs: &[String],
    leases: &[(String, Option<String>)],
    atomic: bool,
) -> Result<Pushed> {
    let mut args: Vec<String> = vec!["push".into(), "--porcelain".into(), "--no-verify".into()];
    if atomic {
        args.push("--atomic".into());
    }
    for (refname, expect) in leases {
        args.push(format!(
            "--force-with-lease={refname}:{}",
            expect.as_deref().unwrap_or("")
        ));
    }
    args.push("--end-of-options".into());
    args.push(remote.into());
    args.extend(refspecs.iter().cloned());
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let ran = Git::in_dir(dir).try_run(&argv)?;
    let refs = ran
        .stdout
        .lines()
        .filter_map(|line| {
            let mut parts = line.splitn(3, '\t');
            let flag = parts.next()?;
            let spec = parts.next()?;
            let summary = parts.next().unwrap_or("").to_owned();
            let flag = flag.chars().next().filter(|_| flag.len() == 1)?;
            let to = spec.rsplit_once(':').map_or(spec, |(_, to)| to).to_owned();
            Some(PushedRef { flag, to, summary })
        })
        .collect();
    Ok(Pushed {
        success: ran.success,
        refs,
        command: Git::describe(&argv),
        stderr: ran.stderr,
    })
}

/// Merges the notes commit `other` into the notes ref `notes_ref` with `git notes merge
/// -s ours`: the union of the annotated commits, this side's note kept where both
/// annotated the same commit differently.
pub fn notes_merge_ours(env: &Env, dir: &Path, notes_ref: &str, other: &str) -> Result<()> {
    // The merge writes a commit: it needs the identity the repository was opened with.
    Git::in_dir(dir).envs(env).run(&[
        "notes",
        &format!("--ref={notes_ref}"),
        "merge",
        "--quiet",
        "-s",
        "ours",
        other,
    ])?;
    Ok(())
}

/// `git branch --track <branch> <start>`: a new local branch that follows a
/// remote-tracking one.
pub fn branch_tracking(dir: &Path, branch: &str, start: &str) -> Result<()> {
    Git::in_dir(dir).run(&["branch", "--quiet", "--track", branch, start])?;
    Ok(())
}
