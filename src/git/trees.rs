//! Merges of trees without a worktree (`git merge-tree`).

use super::Git;
use anyhow::{Context, Result, bail};
use std::path::Path;

/// The objects a merge writes to a scratch object directory are read back once and
/// thrown away: compressing them is wasted work (a sixth of git's time on git.git's text
/// merges).
const SCRATCH_OBJECTS_UNCOMPRESSED: &str = "core.looseCompression=0";

/// What `git merge-tree` made of one merge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeMerge {
    pub clean: bool,
    /// The merged tree (with conflict markers where it is not clean).
    pub tree: String,
    /// The paths git left conflicted.
    pub conflicted: Vec<String>,
}

/// git's merge of `ours` and `theirs`: trees on the base tree `base`
/// (`git merge-tree --write-tree --merge-base=<base> <ours> <theirs>`), or commits on the
/// merge bases git finds when `base` is `None`; with the repository's merge settings
/// (attributes, merge drivers, `merge.conflictStyle`): git's own merge-ort and xdiff.
///
/// git reads the repository's objects through `alternates` and writes only into
/// `objects`, a scratch object directory the caller owns, so the repository itself never
/// gains an object from it. ([`merge_trees_batch`] makes many merges in one process.)
pub fn merge_trees(
    dir: &Path,
    objects: &Path,
    alternates: &Path,
    base: Option<&str>,
    [ours, theirs]: [&str; 2],
) -> Result<TreeMerge> {
    let base = base.map(|b| format!("--merge-base={b}"));
    let mut args = vec![
        "-c",
        SCRATCH_OBJECTS_UNCOMPRESSED,
        "merge-tree",
        "--write-tree",
        "--name-only",
        "--no-messages",
        "-z",
    ];
    args.extend(base.as_deref());
    args.extend([ours, theirs]);
    let ran = Git::in_dir(dir)
        .env("GIT_OBJECT_DIRECTORY", objects)
        .env("GIT_ALTERNATE_OBJECT_DIRECTORIES", alternates)
        .try_run(&args)?;
    let clean = match ran.code {
        Some(0) => true,
        Some(1) => false,
        _ => return Err(ran.failure(&args, dir)),
    };
    // <tree> NUL (<conflicted path> NUL)*
    let mut fields = ran.stdout.split('\0').filter(|f| !f.is_empty());
    let tree = fields
        .next()
        .with_context(|| format!("`{}` printed no tree", Git::describe(&args)))?
        .to_owned();
    Ok(TreeMerge {
        clean,
        tree,
        conflicted: fields.map(str::to_owned).collect(),
    })
}

/// Many merges as [`merge_trees`] makes one, in one `git merge-tree --stdin` process
/// (a line `<base> -- <ours> <theirs>` each, or `<ours> <theirs>` for commits on the
/// merge bases git finds). The answers come in the order of `merges`.
pub fn merge_trees_batch(
    dir: &Path,
    objects: &Path,
    alternates: &Path,
    merges: &[(Option<String>, String, String)],
) -> Result<Vec<TreeMerge>> {
    let args = [
        "-c",
        SCRATCH_OBJECTS_UNCOMPRESSED,
        "merge-tree",
        "--stdin",
        "--write-tree",
        "--name-only",
        "--no-messages",
        "-z",
    ];
    let mut input = String::new();
    for (base, ours, theirs) in merges {
        if let Some(base) = base {
            input.push_str(base);
            input.push_str(" -- ");
        }
        input.push_str(&format!("{ours} {theirs}\n"));
    }
    let ran = Git::in_dir(dir)
        .env("GIT_OBJECT_DIRECTORY", objects)
        .env("GIT_ALTERNATE_OBJECT_DIRECTORIES", alternates)
        .try_run_with_input(&args, input.as_bytes())?;
    if !ran.success {
        return Err(ran.failure(&args, dir));
    }
    // Per merge: <1|0> NUL <tree> NUL (<conflicted path> NUL)* NUL
    let mut fields = ran.stdout.split('\0');
    let mut out = Vec::with_capacity(merges.len());
    for _ in merges {
        let (Some(status), Some(tree)) = (fields.next(), fields.next()) else {
            bail!(
                "`{}` answered {} merges of {}",
                Git::describe(&args),
                out.len(),
                merges.len()
            );
        };
        let clean = match status {
            "1" => true,
            "0" => false,
            other => bail!("`{}` answered {other:?}", Git::describe(&args)),
        };
        let mut conflicted = Vec::new();
        for f in fields.by_ref() {
            if f.is_empty() {
                break;
            }
            conflicted.push(f.to_owned());
        }
        out.push(TreeMerge {
            clean,
            tree: tree.to_owned(),
            conflicted,
        });
    }
    Ok(out)
}

/// The tree `git merge-tree --write-tree` makes of merging `theirs` into `ours`, or `None`
/// when that merge conflicts.
pub fn merge_tree(dir: &Path, ours: &str, theirs: &str) -> Result<Option<String>> {
    let args = ["merge-tree", "--write-tree", "--no-messages", ours, theirs];
    let ran = Git::in_dir(dir).try_run(&args)?;
    match ran.code {
        Some(0) => Ok(ran.stdout.lines().next().map(|l| l.trim().to_owned())),
        Some(1) => Ok(None),
        _ => bail!(
            "`{}` failed in {}: {}",
            Git::describe(&args),
            dir.display(),
            ran.stderr.trim()
        ),
    }
}
