use super::output::Output;
use clap::{Arg, ArgAction, Command};
use git_track::repo::Repo;
use git_track::store;
use std::collections::BTreeSet;

/// Print a shell completion script: bash, zsh or fish
///
/// The scripts complete subcommands and options from this program's own definitions, and
/// live values (track names, experiment groups, owners, remotes, branches, --level
/// values) by asking 'git track' itself as you type. bash: `git track <TAB>` works where
/// git's own completion is loaded (the script defines _git_track, which it calls), and
/// `git-track <TAB>` everywhere. zsh: defines _git-track, which zsh's git completion calls.
/// fish: `git track` completion goes through git-track's, as fish does for git-* commands.
///
/// Install (then open a new shell):
///   bash:  git track completions bash > ~/.local/share/bash-completion/completions/git-track
///   zsh:   git track completions zsh > "${fpath[1]}/_git-track"
///   fish:  git track completions fish > ~/.config/fish/completions/git-track.fish
#[derive(clap::Args)]
pub struct Args {
    /// The shell
    #[arg(value_name = "shell", value_parser = ["bash", "zsh", "fish"])]
    shell: String,
}

/// What the scripts call: the candidates for the last word, one a line.
#[derive(clap::Args)]
pub struct CompleteArgs {
    /// The words after 'track' (or 'git-track'), the word being completed last
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "word"
    )]
    words: Vec<String>,
}

pub fn run(args: Args) -> anyhow::Result<Output> {
    let script = match args.shell.as_str() {
        "bash" => BASH,
        "zsh" => ZSH,
        _ => FISH,
    };
    Ok(Output::new(script, |s, w| w.write_all(s.as_bytes())))
}

/// Prints the candidates. Never fails: outside a repository there are simply no live values.
pub fn complete(args: CompleteArgs) -> anyhow::Result<Output> {
    let mut words = args.words;
    // The scripts pass `--` before the words so that none is taken for an option here.
    if words.first().map(String::as_str) == Some("--") {
        words.remove(0);
    }
    let mut root = super::command();
    root.build();
    let repo = Repo::discover().ok();
    let found = candidates(&root, &words, &|source| live(repo.as_ref(), source));
    Ok(Output::new(found, |c, w| {
        for line in c {
            writeln!(w, "{line}")?;
        }
        Ok(())
    }))
}

/// Where the values of an argument come from, by its value name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Tracks,
    Experiments,
    Owners,
    Remotes,
    Branches,
    /// Paths and globs: the shell's own file completion.
    Files,
    /// Free text: nothing to offer.
    Nothing,
}

/// The source of each value name used in the definitions (a test keeps this complete).
fn source_of(value_name: &str) -> Option<Source> {
    Some(match value_name {
        "name" | "track" | "winner" => Source::Tracks,
        "group" => Source::Experiments,
        "who" => Source::Owners,
        "remote" => Source::Remotes,
        "branch" | "rev" => Source::Branches,
        "glob" | "path" | "dir" | "file" | "file.html" => Source::Files,
        "text"
        | "cmd"
        | "word"
        | "shell"
        | "when"
        | "level"
        | "kind"
        | "status"
        | "format"
        | "a..b"
        | "base>..<integration"
        | "HOOK"
        | "ARGS"
        | "agent"
        | "n"
        | "s"
        | "regex" => Source::Nothing,
        _ => return None,
    })
}

/// Live values from the repository.
fn live(repo: Option<&Repo>, source: Source) -> Vec<String> {
    let Some(repo) = repo else {
        return Vec::new();
    };
    let tracks = || {
        store::list(repo)
            .map(|l| l.tracks.into_iter().map(|s| s.track).collect::<Vec<_>>())
            .unwrap_or_default()
    };
    let set: BTreeSet<String> = match source {
        Source::Tracks => tracks().into_iter().map(|t| t.name).collect(),
        Source::Experiments => tracks().into_iter().filter_map(|t| t.experiment).collect(),
        Source::Owners => tracks().into_iter().filter_map(|t| t.owner).collect(),
        Source::Remotes => repo
            .gix
            .remote_names()
            .into_iter()
            .map(|n| n.to_string())
            .collect(),
        Source::Branches => repo
            .gix
            .references()
            .ok()
            .and_then(|r| {
                r.local_branches().ok().map(|it| {
                    it.flatten()
                        .map(|r| r.name().shorten().to_string())
                        .collect()
                })
            })
            .unwrap_or_default(),
        Source::Files | Source::Nothing => BTreeSet::new(),
    };
    set.into_iter().collect()
}

/// The candidates for the last of `words` (the word being completed, maybe empty), given
/// the words before it, walking the clap definition as clap itself would parse them.
pub fn candidates(
    root: &Command,
    words: &[String],
    live: &dyn Fn(Source) -> Vec<String>,
) -> Vec<String> {
    let (cur, before) = match words.split_last() {
        Some((cur, before)) => (cur.as_str(), before),
        None => ("", &[][..]),
    };
    let Parsed {
        cmd,
        positional,
        only_positional,
        pending,
    } = parse(root, before);
    let mut out: Vec<String> = Vec::new();
    if let Some(arg) = pending {
        out = values(cmd, arg, live);
    } else if !only_positional
        && let Some((name, value)) = cur.strip_prefix("--").and_then(|s| s.split_once('='))
    {
        if let Some(arg) = long_arg(cmd, name).filter(|a| accepts_value(a)) {
            return filter(values(cmd, arg, live), value)
                .into_iter()
                .map(|v| format!("--{name}={v}"))
                .collect();
        }
    } else if !only_positional && cur.starts_with('-') {
        out = flags(cmd, cur);
    } else if cmd.has_subcommands() && positional == 0 {
        out = cmd
            .get_subcommands()
            .filter(|s| !s.is_hide_set())
            .flat_map(|s| std::iter::once(s.get_name()).chain(s.get_visible_aliases()))
            .map(str::to_owned)
            .collect();
    } else if let Some(arg) = positional_arg(cmd, positional) {
        out = values(cmd, arg, live);
    }
    filter(out, cur)
}

/// Where the words before the one being completed leave the parse.
struct Parsed<'c> {
    /// The (sub)command they reach.
    cmd: &'c Command,
    /// How many positional arguments they hold.
    positional: usize,
    /// A `--` was given: every word after it is positional.
    only_positional: bool,
    /// The option whose value comes next.
    pending: Option<&'c Arg>,
}

/// Walks `before` over the clap definition as clap itself would parse it.
fn parse<'c>(root: &'c Command, before: &[String]) -> Parsed<'c> {
    let mut cmd = root;
    let mut positional = 0;
    let mut only_positional = false;
    let mut pending: Option<&Arg> = None;
    for word in before {
        if pending.take().is_some() {
            continue;
        }
        if only_positional {
            positional += 1;
            continue;
        }
        if word == "--" {
            only_positional = true;
            continue;
        }
        if let Some(long) = word.strip_prefix("--") {
            if !long.contains('=') {
                pending = long_arg(cmd, long).filter(|a| takes_value(a));
            }
            continue;
        }
        if let Some(shorts) = word.strip_prefix('-').filter(|s| !s.is_empty()) {
            // A cluster of short flags; one that takes a value takes the rest, or the next word.
            for (i, c) in shorts.char_indices() {
                if let Some(arg) = short_arg(cmd, c).filter(|a| takes_value(a)) {
                    if i + c.len_utf8() == shorts.len() {
                        pending = Some(arg);
                    }
                    break;
                }
            }
            continue;
        }
        if positional == 0
            && let Some(sub) = cmd.find_subcommand(word)
        {
            cmd = sub;
            continue;
        }
        positional += 1;
    }
    Parsed {
        cmd,
        positional,
        only_positional,
        pending,
    }
}

/// The options of `cmd` (short ones too while `cur` is at most `-x`), and `--help`.
fn flags(cmd: &Command, cur: &str) -> Vec<String> {
    let mut out = Vec::new();
    for arg in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
        out.extend(
            arg.get_long_and_visible_aliases()
                .into_iter()
                .flatten()
                .map(|l| format!("--{l}")),
        );
        if cur.len() <= 2 {
            out.extend(
                arg.get_short_and_visible_aliases()
                    .into_iter()
                    .flatten()
                    .map(|s| format!("-{s}")),
            );
        }
    }
    if !cmd.is_disable_help_flag_set() {
        out.push("--help".to_owned());
    }
    out
}

fn filter(mut candidates: Vec<String>, prefix: &str) -> Vec<String> {
    candidates.retain(|c| c.starts_with(prefix));
    candidates.dedup();
    candidates
}

fn long_arg<'a>(cmd: &'a Command, long: &str) -> Option<&'a Arg> {
    cmd.get_arguments().find(|a| {
        a.get_long_and_visible_aliases()
            .is_some_and(|names| names.contains(&long))
    })
}

fn short_arg(cmd: &Command, short: char) -> Option<&Arg> {
    cmd.get_arguments().find(|a| {
        a.get_short_and_visible_aliases()
            .is_some_and(|names| names.contains(&short))
    })
}

/// Takes a value (after `=`, or as the next word when [`takes_value`]).
fn accepts_value(arg: &Arg) -> bool {
    matches!(arg.get_action(), ArgAction::Set | ArgAction::Append)
}

/// Takes the next word as its value.
fn takes_value(arg: &Arg) -> bool {
    accepts_value(arg)
        && !arg.is_require_equals_set()
        && arg.get_num_args().is_none_or(|n| n.min_values() > 0)
}

/// The `n`th positional argument (from 0); the last one takes the rest when it repeats.
fn positional_arg(cmd: &Command, n: usize) -> Option<&Arg> {
    let positionals: Vec<&Arg> = cmd.get_positionals().collect();
    positionals.get(n).copied().or_else(|| {
        positionals
            .last()
            .copied()
            .filter(|a| matches!(a.get_action(), ArgAction::Append))
    })
}

/// The values `arg` accepts: its fixed values, or live ones by its value name.
fn values(cmd: &Command, arg: &Arg, live: &dyn Fn(Source) -> Vec<String>) -> Vec<String> {
    let fixed: Vec<String> = arg
        .get_possible_values()
        .iter()
        .filter(|v| !v.is_hide_set())
        .map(|v| v.get_name().to_owned())
        .collect();
    if !fixed.is_empty() {
        return fixed;
    }
    // A new track's name is new: nothing to offer.
    if cmd.get_name() == "new" && arg.is_positional() {
        return Vec::new();
    }
    let name = arg
        .get_value_names()
        .and_then(|n| n.first())
        .map(|n| n.as_str())
        .unwrap_or_default();
    match source_of(name) {
        Some(source) => live(source),
        None => Vec::new(),
    }
}

const BASH: &str = r#"# git-track completion for bash.
# Load it with: source <(git track completions bash)
# `git track <TAB>` works where git's own completion is loaded: git's completion calls
# _git_track for the `track` command. `git-track <TAB>` works everywhere.

# Runs git-track the way git's completion runs git (with its -C and --git-dir).
__git_track_run ()
{
	if declare -F __git >/dev/null; then
		__git track "$@"
	else
		git track "$@" 2>/dev/null
	fi
}

_git_track ()
{
	local i start=1 word prefix="" candidate out
	# git's completion sets words and cword, and __git_cmd_idx for the command word.
	if [ -n "${__git_cmd_idx-}" ]; then
		start=$((__git_cmd_idx + 1))
	else
		for ((i = 1; i < cword; i++)); do
			if [ "${words[i]}" = track ]; then
				start=$((i + 1))
				break
			fi
		done
	fi
	word="${words[cword]-}"
	out=$(__git_track_run __complete -- "${words[@]:start:cword-start}" "$word") || return
	# bash replaces only what follows '=' in --option=value.
	case "$word" in
	--*=*) prefix="${word%%=*}=" ;;
	esac
	COMPREPLY=()
	local IFS=$'\n'
	for candidate in $out; do
		candidate="${candidate#"$prefix"}"
		case "$candidate" in
		*= | */) COMPREPLY+=("$candidate") ;;
		*) COMPREPLY+=("$candidate ") ;;
		esac
	done
}

# `git-track <TAB>`, with or without git's completion.
__git_track_main ()
{
	local cur words cword prev
	if declare -F _get_comp_words_by_ref >/dev/null; then
		_get_comp_words_by_ref -n =: cur words cword prev
	else
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
	fi
	local __git_cmd_idx=0
	_git_track
}

complete -o bashdefault -o default -o nospace -F __git_track_main git-track
"#;

const ZSH: &str = r#"#compdef git-track
# git-track completion for zsh.
# Load it with: source <(git track completions zsh), or put it in a folder of $fpath as
# _git-track. zsh's git completion calls _git-track for `git track <TAB>`; the compdef
# line below serves `git-track <TAB>`.

_git-track () {
	local -a candidates
	# words[1] is `track` (under git) or `git-track`; the word being completed is last.
	candidates=(${(f)"$(git track __complete -- "${(@)words[2,CURRENT]}" 2>/dev/null)"})
	if (( ${#candidates} )); then
		compadd -- "${candidates[@]}"
	else
		_files
	fi
}

if (( $+functions[compdef] )); then
	compdef _git-track git-track
fi
"#;

const FISH: &str = r#"# git-track completion for fish.
# Load it with: git track completions fish | source, or save it as
# ~/.config/fish/completions/git-track.fish (then `git track <TAB>` works too once fish
# has loaded it, e.g. after one `git-track <TAB>`, or put the line
# `complete -C git-track >/dev/null` in ~/.config/fish/config.fish).

function __git_track_complete
    set -l words (commandline -opc)
    # Drop everything up to the command: `git-track`, or `git [options] track`.
    set -l at (contains -i -- git-track $words; or contains -i -- track $words)
    set -l args $words[(math $at + 1)..-1]
    set -l candidates (git track __complete -- $args (commandline -ct) 2>/dev/null)
    if test (count $candidates) -gt 0
        printf '%s\n' $candidates
    else
        __fish_complete_path (commandline -ct)
    end
end

complete -c git-track -f -a '(__git_track_complete)'
complete -c git -f -n '__fish_seen_subcommand_from track' -a '(__git_track_complete)'
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn complete(line: &[&str]) -> Vec<String> {
        let mut root = crate::cli::command();
        root.build();
        let words: Vec<String> = line.iter().map(|s| s.to_string()).collect();
        candidates(&root, &words, &|source| match source {
            Source::Tracks => vec!["api".into(), "web".into()],
            Source::Experiments => vec!["cache".into()],
            Source::Remotes => vec!["origin".into()],
            _ => Vec::new(),
        })
    }

    #[test]
    fn every_value_name_has_a_source() {
        fn walk(cmd: &Command, missing: &mut Vec<String>) {
            for arg in cmd.get_arguments() {
                for name in arg.get_value_names().into_iter().flatten() {
                    if accepts_value(arg) && source_of(name).is_none() {
                        missing.push(format!("{} {}", cmd.get_name(), name));
                    }
                }
            }
            for sub in cmd.get_subcommands() {
                walk(sub, missing);
            }
        }
        let mut missing = Vec::new();
        walk(&crate::cli::command(), &mut missing);
        assert!(
            missing.is_empty(),
            "value names without a completion source: {missing:?}"
        );
    }

    #[test]
    fn subcommands_options_and_values() {
        assert!(complete(&["st"]).contains(&"status".to_owned()));
        assert!(!complete(&[""]).contains(&"__complete".to_owned()));
        assert_eq!(complete(&["overlap", "--le"]), ["--level"]);
        assert_eq!(
            complete(&["overlap", "--level", ""]),
            ["files", "hunks", "conflicts"]
        );
        assert_eq!(complete(&["overlap", "--level=h"]), ["--level=hunks"]);
        assert_eq!(complete(&["show", ""]), ["api", "web"]);
        assert_eq!(complete(&["overlap", "api", "w"]), ["web"]);
        assert_eq!(
            complete(&["-C", "dir", "edit", "x", "--experiment", ""]),
            ["cache"]
        );
        assert!(complete(&["new", ""]).is_empty());
        assert_eq!(complete(&["hooks", "st"]), ["status"]);
        assert_eq!(complete(&["status", "--color="]).len(), 3);
    }
}
