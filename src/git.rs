//! Every call of the `git` binary goes through this module.
//!
//! git is used where gix has no complete answer or where users need git's own
//! behaviour (a conflicted merge left in a worktree, push, fetch, saving a dirty
//! worktree). Each call runs with a fixed locale and no editor, pager or prompt, and a
//! failure names the command line and what git printed.

use anyhow::{Context, Result, bail};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A `git` invocation in a directory.
pub struct Git {
    dir: PathBuf,
    env: Vec<(String, String)>,
}

/// Environment variables every git subprocess that may record an identity (a commit, a
/// reflog entry) gets on behalf of a repository: the identity git-track falls back to
/// when none is configured (see [`crate::repo::Repo::discover`]). Passed explicitly, the
/// process's own environment is never changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Env(pub Vec<(&'static str, &'static str)>);

/// The result of a git call whose non-zero exit the caller interprets itself.
pub struct Ran {
    pub success: bool,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Git {
    pub fn in_dir(dir: impl AsRef<Path>) -> Self {
        Git {
            dir: dir.as_ref().to_owned(),
            env: Vec::new(),
        }
    }

    pub fn env(mut self, key: &str, value: impl AsRef<OsStr>) -> Self {
        self.env.push((
            key.to_owned(),
            value.as_ref().to_string_lossy().into_owned(),
        ));
        self
    }

    /// Adds `env`'s variables.
    pub fn envs(mut self, env: &Env) -> Self {
        for (key, value) in &env.0 {
            self = self.env(key, value);
        }
        self
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new("git");
        cmd.current_dir(&self.dir)
            .args(args)
            .env("LC_ALL", "C")
            .env("LANGUAGE", "C")
            .env("GIT_EDITOR", ":")
            .env("GIT_SEQUENCE_EDITOR", ":")
            .env("GIT_MERGE_AUTOEDIT", "no")
            .env("GIT_PAGER", "cat")
            .env("GIT_TERMINAL_PROMPT", "0")
            .stdin(Stdio::null());
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }

    fn describe(args: &[&str]) -> String {
        let mut line = String::from("git");
        for a in args {
            line.push(' ');
            if a.is_empty() || a.contains(|c: char| c.is_whitespace() || c == '\'') {
                line.push_str(&format!("'{}'", a.replace('\'', "'\\''")));
            } else {
                line.push_str(a);
            }
        }
        line
    }

    /// Runs git and returns what happened, whatever its exit code. A call that may write
    /// is a crash point (see [`crate::fault`]).
    pub fn try_run(&self, args: &[&str]) -> Result<Ran> {
        if may_write(args) {
            crate::fault::point(|| Self::describe(args));
        }
        let out: Output = self.command(args).output().with_context(|| {
            format!(
                "could not run `{}` in {}",
                Self::describe(args),
                self.dir.display()
            )
        })?;
        Ok(Ran {
            success: out.status.success(),
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        })
    }

    /// Runs git and returns its stdout; a non-zero exit is an error naming the command.
    pub fn run(&self, args: &[&str]) -> Result<String> {
        let ran = self.try_run(args)?;
        if !ran.success {
            bail!(
                "`{}` failed in {} (exit {}): {}",
                Self::describe(args),
                self.dir.display(),
                ran.code
                    .map_or_else(|| "by signal".to_owned(), |c| c.to_string()),
                ran.stderr.trim()
            );
        }
        Ok(ran.stdout)
    }
}

/// Does this git call possibly change a ref, an index, a worktree or a remote? Reads
/// (and object writes, which change nothing anyone sees) are not crash points.
fn may_write(args: &[&str]) -> bool {
    const READS: &[&str] = &[
        "rev-parse",
        "diff",
        "write-tree",
        "status",
        "ls-files",
        "merge-base",
        "cat-file",
        "log",
        "show",
        "for-each-ref",
        "ls-remote",
        "rev-list",
        "version",
        "var",
        "hash-object",
        "check-ref-format",
        "merge-tree",
        "ls-tree",
        "show-ref",
        "diff-tree",
        "diff-index",
    ];
    match args.first() {
        Some(&"config") => !args
            .iter()
            .any(|a| a.starts_with("--get") || *a == "--list"),
        Some(cmd) => !READS.contains(cmd),
        None => false,
    }
}

/// Saves everything in `worktree` that is not committed — staged, unstaged and
/// untracked files (ignored ones excepted) — as a commit on top of HEAD, without
/// touching the worktree or its index. Returns the commit id.
pub fn snapshot_worktree(env: &Env, worktree: &Path, message: &str) -> Result<String> {
    let scratch = tempfile_path(worktree)?;
    let git = Git::in_dir(worktree)
        .envs(env)
        .env("GIT_INDEX_FILE", &scratch);
    let result = (|| {
        let head = Git::in_dir(worktree)
            .run(&["rev-parse", "--verify", "-q", "HEAD"])
            .ok();
        // Start from the real index so staged-but-unreferenced content is kept too.
        let real_index = Git::in_dir(worktree).run(&["rev-parse", "--git-path", "index"])?;
        let real_index = worktree.join(real_index.trim());
        if real_index.exists() {
            std::fs::copy(&real_index, &scratch)
                .with_context(|| format!("could not copy {}", real_index.display()))?;
        }
        settle_unpopulated_gitlinks(&git, worktree)?;
        git.run(&["add", "-A", "--", "."])?;
        let tree = git.run(&["write-tree"])?;
        let mut args = vec!["commit-tree", tree.trim(), "-m", message];
        let head = head.map(|h| h.trim().to_owned());
        if let Some(h) = head.as_deref() {
            args.push("-p");
            args.push(h);
        }
        Ok(git.run(&args)?.trim().to_owned())
    })();
    let _ = std::fs::remove_file(&scratch);
    result
}

/// `git add` cannot stage an unmerged submodule that is not checked out ("does not have
/// a commit checked out"), and a linked worktree has none checked out: such a gitlink
/// conflict is resolved, in the scratch index `git` writes, to the first side's commit
/// (ours, else theirs), since the worktree holds nothing there to take instead.
fn settle_unpopulated_gitlinks(git: &Git, worktree: &Path) -> Result<()> {
    let unmerged = git.run(&["ls-files", "-u", "-z"])?;
    let mut chosen: Vec<(&str, &str)> = Vec::new();
    for record in unmerged.split('\0') {
        // `<mode> <id> <stage>\t<path>`, stages in order.
        let Some((meta, path)) = record.split_once('\t') else {
            continue;
        };
        let mut fields = meta.split(' ');
        let (Some("160000"), Some(id), Some("2" | "3")) =
            (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        if chosen.last().is_some_and(|(p, _)| *p == path)
            || worktree.join(path).join(".git").exists()
        {
            continue;
        }
        chosen.push((path, id));
    }
    for (path, id) in chosen {
        git.run(&[
            "update-index",
            "--cacheinfo",
            &format!("160000,{id},{path}"),
        ])?;
    }
    Ok(())
}

fn tempfile_path(worktree: &Path) -> Result<PathBuf> {
    let git_dir = Git::in_dir(worktree).run(&["rev-parse", "--absolute-git-dir"])?;
    Ok(PathBuf::from(git_dir.trim()).join(format!("track-snapshot-index.{}", std::process::id())))
}

/// The result of `git merge` in a worktree.
pub struct WorktreeMerge {
    /// git made the merge commit itself.
    pub committed: bool,
    /// Paths git left unmerged in the index.
    pub unmerged: Vec<String>,
    /// Paths rerere resolved from a recorded resolution ("Resolved '…' using previous
    /// resolution" / "Staged '…' using previous resolution").
    pub rerere_resolved: Vec<String>,
    /// What git printed, for an error that is not a conflict.
    pub output: String,
}

/// Runs `git merge --no-ff --no-verify -m <message> <rev>` in `worktree`, so that
/// rerere, merge drivers and mergetools apply as they would for a person. `rev` also
/// names the other side in conflict markers, so a branch name reads best.
pub fn merge_into_worktree(
    env: &Env,
    worktree: &Path,
    rev: &str,
    message: &str,
) -> Result<WorktreeMerge> {
    let ran = Git::in_dir(worktree).envs(env).try_run(&[
        "merge",
        "--no-ff",
        "--no-verify",
        "--no-edit",
        "-m",
        message,
        rev,
    ])?;
    let output = format!("{}{}", ran.stdout, ran.stderr);
    let mut rerere_resolved = Vec::new();
    for line in output.lines() {
        for prefix in ["Resolved '", "Staged '"] {
            if let Some(rest) = line.strip_prefix(prefix)
                && let Some(path) = rest.strip_suffix("' using previous resolution.")
            {
                rerere_resolved.push(path.to_owned());
            }
        }
    }
    let unmerged = if ran.success {
        Vec::new()
    } else {
        unmerged_paths(worktree)?
    };
    Ok(WorktreeMerge {
        committed: ran.success,
        unmerged,
        rerere_resolved,
        output,
    })
}

/// Paths with unmerged (conflicted) index entries in `worktree`.
pub fn unmerged_paths(worktree: &Path) -> Result<Vec<String>> {
    let out = Git::in_dir(worktree).run(&["diff", "--name-only", "--diff-filter=U", "-z"])?;
    let mut paths: Vec<String> = out
        .split('\0')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    paths.dedup();
    Ok(paths)
}

/// Tracked paths whose worktree content differs from the index (unstaged changes).
pub fn unstaged_paths(worktree: &Path) -> Result<Vec<String>> {
    let out = Git::in_dir(worktree).run(&["diff", "--name-only", "-z"])?;
    Ok(out
        .split('\0')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect())
}

/// The commit `MERGE_HEAD` names in `worktree`, if a merge is in progress there.
pub fn merge_head(worktree: &Path) -> Result<Option<String>> {
    let ran = Git::in_dir(worktree).try_run(&["rev-parse", "-q", "--verify", "MERGE_HEAD"])?;
    Ok(ran
        .success
        .then(|| ran.stdout.trim().to_owned())
        .filter(|s| !s.is_empty()))
}

/// Stages `paths` in `worktree` (`git add`).
pub fn stage_paths(worktree: &Path, paths: &[String]) -> Result<()> {
    if paths.is_empty() {
        return Ok(());
    }
    let mut args = vec!["add", "--"];
    args.extend(paths.iter().map(String::as_str));
    Git::in_dir(worktree).run(&args)?;
    Ok(())
}

/// Concludes the merge in progress in `worktree` with `message` (`git commit`, so that
/// rerere records the resolution). Returns the new HEAD.
pub fn commit_merge(env: &Env, worktree: &Path, message: &str) -> Result<String> {
    let git = Git::in_dir(worktree).envs(env);
    git.run(&[
        "commit",
        "--no-verify",
        "--quiet",
        "--cleanup=whitespace",
        "-m",
        message,
    ])?;
    Ok(git.run(&["rev-parse", "HEAD"])?.trim().to_owned())
}

/// Moves the index and files of `worktree` from commit `from` to commit `to` after its
/// branch was moved without it (`git read-tree -m -u`, the two-tree merge `git checkout`
/// does): local changes to paths that did not change are kept, and a change that would
/// be overwritten makes it fail without touching anything.
pub fn move_worktree(worktree: &Path, from: &str, to: &str) -> Result<()> {
    Git::in_dir(worktree).run(&["read-tree", "-m", "-u", from, to])?;
    Ok(())
}

/// Would [`move_worktree`] succeed? `None` when it would, else what git complains of
/// (`read-tree -n`: nothing is touched).
pub fn check_move_worktree(worktree: &Path, from: &str, to: &str) -> Result<Option<String>> {
    let ran = Git::in_dir(worktree).try_run(&["read-tree", "-n", "-m", "-u", from, to])?;
    Ok((!ran.success).then(|| ran.stderr.trim().to_owned()))
}

/// The paths of "Untracked working tree file '<path>' would be overwritten" complaints.
pub fn untracked_in_the_way(complaint: &str) -> Vec<String> {
    complaint
        .lines()
        .filter_map(|l| {
            let rest = l.split_once("Untracked working tree file '")?.1;
            Some(rest.rsplit_once("' would be overwritten")?.0.to_owned())
        })
        .collect()
}

/// Sets the index and tracked files of `worktree` to commit `to`, dropping unmerged
/// entries and local changes (`git read-tree --reset -u`). Callers save what would be
/// lost first.
pub fn reset_worktree(worktree: &Path, to: &str) -> Result<()> {
    Git::in_dir(worktree).run(&["read-tree", "--reset", "-u", to])?;
    Ok(())
}

/// Abandons the merge in progress in `worktree`: `git merge --abort`, and when git
/// refuses, forgets the merge state (`git merge --quit`, `git rerere clear`) so the
/// caller can reset the files itself.
pub fn abandon_merge(env: &Env, worktree: &Path) -> Result<()> {
    let git = Git::in_dir(worktree).envs(env);
    if git.try_run(&["merge", "--abort"])?.success {
        return Ok(());
    }
    git.run(&["merge", "--quit"])?;
    let _ = git.try_run(&["rerere", "clear"])?;
    Ok(())
}

/// Do the tracked files or the index of `worktree` differ from `commit`?
pub fn differs_from(worktree: &Path, commit: &str) -> Result<bool> {
    let git = Git::in_dir(worktree);
    for args in [
        &["diff", "--quiet", commit, "--"][..],
        &["diff", "--cached", "--quiet", commit, "--"],
    ] {
        let ran = git.try_run(args)?;
        match ran.code {
            Some(0) => {}
            Some(1) => return Ok(true),
            _ => {
                return Err(anyhow::anyhow!(
                    "`git {}` failed in {}: {}",
                    args.join(" "),
                    worktree.display(),
                    ran.stderr.trim()
                ));
            }
        }
    }
    Ok(false)
}

/// `git reset --keep <to>` in `worktree`: moves its branch and files, keeping local
/// changes where they do not collide (git refuses otherwise).
pub fn reset_keep(env: &Env, worktree: &Path, to: &str) -> Result<()> {
    Git::in_dir(worktree)
        .envs(env)
        .run(&["reset", "--quiet", "--keep", to])?;
    Ok(())
}

/// `git init` with `branch` as the first branch, and a local identity so that a
/// repository made for a demonstration commits on any machine.
pub fn init_repository(dir: &Path, branch: &str) -> Result<()> {
    let git = Git::in_dir(dir);
    git.run(&["init", "-q", "-b", branch])?;
    git.run(&["config", "user.name", "Demo User"])?;
    git.run(&["config", "user.email", "demo@example.com"])?;
    Ok(())
}

/// Stages everything in the worktree at `dir` and commits it.
pub fn commit_all(dir: &Path, message: &str) -> Result<()> {
    let git = Git::in_dir(dir);
    git.run(&["add", "-A"])?;
    git.run(&["commit", "-q", "-m", message])?;
    Ok(())
}

/// Adds `patterns` to the sparse-checkout patterns of the worktree at `dir`, checking out
/// what they bring in.
pub fn sparse_checkout_add(dir: &Path, patterns: &[String]) -> Result<()> {
    let mut args = vec!["sparse-checkout", "add", "--"];
    args.extend(patterns.iter().map(String::as_str));
    Git::in_dir(dir).run(&args)?;
    Ok(())
}

/// Stages one path in the worktree at `dir`.
pub fn add(dir: &Path, path: &str) -> Result<()> {
    Git::in_dir(dir).run(&["add", "--", path])?;
    Ok(())
}

/// The hooks folder git really uses from `dir`: `core.hooksPath` when set, else the
/// common `hooks` folder (linked worktrees share it).
pub fn hooks_dir(dir: &Path) -> Result<PathBuf> {
    let out = Git::in_dir(dir).run(&["rev-parse", "--git-path", "hooks"])?;
    let path = PathBuf::from(out.trim_end_matches(['\n', '\r']));
    Ok(if path.is_absolute() {
        path
    } else {
        dir.join(path)
    })
}

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
        _ => bail!(
            "`{}` failed in {} (exit {}): {}",
            Git::describe(&args),
            dir.display(),
            ran.code
                .map_or_else(|| "by signal".to_owned(), |c| c.to_string()),
            ran.stderr.trim()
        ),
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
        bail!(
            "`{}` failed in {} (exit {}): {}",
            Git::describe(&args),
            dir.display(),
            ran.code
                .map_or_else(|| "by signal".to_owned(), |c| c.to_string()),
            ran.stderr.trim()
        );
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

impl Git {
    /// Runs git with `input` on its stdin; a non-zero exit is the caller's to judge.
    pub fn try_run_with_input(&self, args: &[&str], input: &[u8]) -> Result<Ran> {
        use std::io::Write;
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| {
                format!(
                    "could not run `{}` in {}",
                    Self::describe(args),
                    self.dir.display()
                )
            })?;
        // Written from a thread: git may fill its stdout before it has read all of stdin.
        let mut stdin = child.stdin.take();
        let data = input.to_vec();
        let writer = std::thread::spawn(move || {
            if let Some(s) = stdin.as_mut() {
                let _ = s.write_all(&data);
            }
        });
        let out = child.wait_with_output()?;
        let _ = writer.join();
        Ok(Ran {
            success: out.status.success(),
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        })
    }
}

fn nul_separated(text: &str) -> Vec<String> {
    text.split('\0')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Untracked files of the worktree at `dir` that match the gitignore-syntax patterns of
/// `pattern_file` (when it exists) or `patterns`, and that git ignores there.
pub fn ignored_matching(
    dir: &Path,
    pattern_file: Option<&Path>,
    patterns: &[String],
) -> Result<Vec<String>> {
    let mut args = vec!["ls-files".to_owned(), "-z".into(), "-o".into(), "-i".into()];
    if let Some(f) = pattern_file {
        args.push(format!("--exclude-from={}", f.display()));
    }
    for p in patterns {
        args.push(format!("--exclude={p}"));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let git = Git::in_dir(dir);
    let listed = nul_separated(&git.run(&args)?);
    if listed.is_empty() {
        return Ok(listed);
    }
    let input: Vec<u8> = listed
        .iter()
        .flat_map(|p| [p.as_bytes(), b"\0"].concat())
        .collect();
    let args = ["check-ignore", "-z", "--stdin"];
    let ran = git.try_run_with_input(&args, &input)?;
    // Exit 1: none of them is ignored.
    if !ran.success && ran.code != Some(1) {
        bail!(
            "`{}` failed in {}: {}",
            Git::describe(&args),
            dir.display(),
            ran.stderr.trim()
        );
    }
    let mut ignored = nul_separated(&ran.stdout);
    ignored.sort();
    ignored.dedup();
    Ok(ignored)
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

/// Is `path` (relative to the worktree root) in the index of the worktree at `dir`?
pub fn is_tracked(dir: &Path, path: &str) -> Result<bool> {
    let ran = Git::in_dir(dir).try_run(&["ls-files", "--error-unmatch", "--", path])?;
    Ok(ran.success)
}

/// How `git track sync` brings the integration branch into a track's worktree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SyncMode {
    Merge,
    Rebase,
}

/// Merges (`git merge --no-edit`, fast-forward allowed) or rebases (`git rebase`) the
/// branch checked out in `worktree` onto `rev`. Returns the paths left conflicted
/// (empty when it went through); a failure that is not a conflict is an error, with the
/// operation undone.
pub fn sync_worktree(
    env: &Env,
    worktree: &Path,
    mode: SyncMode,
    rev: &str,
    message: &str,
) -> Result<Vec<String>> {
    let git = Git::in_dir(worktree).envs(env);
    let args: Vec<&str> = match mode {
        // No hooks: the commit brings others' work, not the track's own.
        SyncMode::Merge => vec!["merge", "--no-edit", "--no-verify", "-m", message, rev],
        SyncMode::Rebase => vec!["rebase", "--no-autostash", rev],
    };
    finish_sync_step(env, worktree, mode, git.try_run(&args)?, &args)
}

/// Goes on with the merge or rebase stopped in `worktree` once its conflicts are
/// staged. Returns the paths still (or newly) conflicted.
pub fn continue_sync(
    env: &Env,
    worktree: &Path,
    mode: SyncMode,
    message: &str,
) -> Result<Vec<String>> {
    let unmerged = unmerged_paths(worktree)?;
    if !unmerged.is_empty() {
        return Ok(unmerged);
    }
    let git = Git::in_dir(worktree).envs(env);
    match mode {
        SyncMode::Merge => {
            if merge_head(worktree)?.is_some() {
                commit_merge(env, worktree, message)?;
            }
            Ok(Vec::new())
        }
        SyncMode::Rebase => {
            if !rebase_in_progress(worktree)? {
                return Ok(Vec::new());
            }
            let args = ["rebase", "--continue"];
            finish_sync_step(env, worktree, mode, git.try_run(&args)?, &args)
        }
    }
}

fn finish_sync_step(
    env: &Env,
    worktree: &Path,
    mode: SyncMode,
    ran: Ran,
    args: &[&str],
) -> Result<Vec<String>> {
    if ran.success {
        return Ok(Vec::new());
    }
    let unmerged = unmerged_paths(worktree)?;
    if !unmerged.is_empty() {
        return Ok(unmerged);
    }
    // Not a conflict: put the worktree back as it was before reporting.
    let _ = abort_sync(env, worktree, mode);
    bail!(
        "`{}` failed in {}: {}",
        Git::describe(args),
        worktree.display(),
        format!("{}{}", ran.stdout, ran.stderr).trim()
    )
}

/// Undoes the merge or rebase in progress in `worktree` (`--abort`).
pub fn abort_sync(env: &Env, worktree: &Path, mode: SyncMode) -> Result<()> {
    let git = Git::in_dir(worktree).envs(env);
    match mode {
        SyncMode::Merge => {
            if merge_head(worktree)?.is_some() {
                git.run(&["merge", "--abort"])?;
            }
        }
        SyncMode::Rebase => {
            if rebase_in_progress(worktree)? {
                git.run(&["rebase", "--abort"])?;
            }
        }
    }
    Ok(())
}

/// Is a rebase stopped in `worktree`?
pub fn rebase_in_progress(worktree: &Path) -> Result<bool> {
    let git = Git::in_dir(worktree);
    for dir in ["rebase-merge", "rebase-apply"] {
        let path = git.run(&["rev-parse", "--git-path", dir])?;
        let path = PathBuf::from(path.trim());
        let path = if path.is_absolute() {
            path
        } else {
            worktree.join(path)
        };
        if path.exists() {
            return Ok(true);
        }
    }
    Ok(false)
}

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

/// Adds `value` to the multi-valued config key `key` of the repository at `dir`.
pub fn config_add(dir: &Path, key: &str, value: &str) -> Result<()> {
    Git::in_dir(dir).run(&["config", "--local", "--add", key, value])?;
    Ok(())
}

/// `git branch --track <branch> <start>`: a new local branch that follows a
/// remote-tracking one.
pub fn branch_tracking(dir: &Path, branch: &str, start: &str) -> Result<()> {
    Git::in_dir(dir).run(&["branch", "--quiet", "--track", branch, start])?;
    Ok(())
}
