#!/bin/sh
# Real-history fidelity: does `git track merge` make exactly the merges git makes?
#
#   benches/fidelity.sh --repo <path> --range <a>..<b> [--range ...] [--sample <n>]
#                       [--bin <git-track>] [--keep]
#
# Samples <n> (default 200) two-parent merges of the given ranges of <path>'s history,
# spread evenly over them, and replays each one in a scratch clone (objects shared with
# <path>, which is never written to) as a track merged onto its first parent:
#
#   git track new <t> --from <second parent> --no-worktree
#   git track merge <t> --dry-run --into <b> --onto <first parent>
#   git track merge <t> --into <b> --onto <first parent>      (--abort after a stop)
#
# and compares each verdict with git's own `git merge-tree --write-tree <p1> <p2>`
# (merge-ort, the repository's merge settings): a clean merge must give git's tree, a
# merge git stops on must stop. Prints one line per disagreement and a summary; exits 1
# when there is any. `--bin` defaults to the release binary of this checkout
# (`cargo build --release` first). Not part of CI: on git.git, 200 merges take minutes.
set -eu

repo= ranges= sample=200 keep=
bin=$(cd "$(dirname "$0")/.." && pwd)/target/release/git-track
[ -n "${CARGO_TARGET_DIR:-}" ] && bin=$CARGO_TARGET_DIR/release/git-track
while [ $# -gt 0 ]; do
	case $1 in
	--repo) repo=$2; shift 2 ;;
	--range) ranges="$ranges $2"; shift 2 ;;
	--sample) sample=$2; shift 2 ;;
	--bin) bin=$2; shift 2 ;;
	--keep) keep=1; shift ;;
	*) echo "usage: $0 --repo <path> --range <a>..<b> [--sample <n>] [--bin <git-track>] [--keep]" >&2; exit 2 ;;
	esac
done
[ -n "$repo" ] && [ -n "$ranges" ] || { echo "error: --repo and --range are required" >&2; exit 2; }
[ -x "$bin" ] || { echo "error: no git-track binary at $bin (cargo build --release, or --bin)" >&2; exit 2; }
repo=$(cd "$repo" && pwd)

scratch=$(mktemp -d "${TMPDIR:-/tmp}/git-track-fidelity.XXXXXX")
[ -n "$keep" ] || trap 'rm -rf "$scratch"' EXIT
clone=$scratch/repo
# --shared: the clone reads <repo>'s objects and writes only its own.
git clone -q --shared --no-checkout "$repo" "$clone"
cd "$clone"
git config user.name "git-track fidelity"
git config user.email fidelity@localhost
# The merges to replay: every two-parent merge of the ranges, in order, then an even
# spread of <n> of them.
for r in $ranges; do
	git -C "$repo" rev-list --merges --parents "$r"
done | awk 'NF == 3 && !seen[$1]++' > "$scratch/all"
total=$(wc -l < "$scratch/all")
awk -v n="$sample" -v total="$total" '
	BEGIN { step = total / n; if (step < 1) step = 1; next_pick = 0 }
	NR - 1 >= next_pick && picked < n { print; picked++; next_pick += step }
' "$scratch/all" > "$scratch/sample"
cases=$(wc -l < "$scratch/sample")
echo "repository: $repo ($total merges in$ranges; replaying $cases)"
echo "git-track:  $bin"

agree=0 disagree=0 clean=0 conflicts=0 i=0
start=$(date +%s)
while read -r merge p1 p2; do
	i=$((i + 1))
	t=fid-$i
	b=fidelity/$i
	if tree=$(git merge-tree --write-tree --no-messages --name-only "$p1" "$p2" 2>/dev/null); then
		want=clean; want_tree=$(printf '%s\n' "$tree" | head -n 1)
	else
		want=conflict; want_tree=
	fi
	"$bin" new "$t" --from "$p2" --no-worktree > /dev/null 2>&1
	if "$bin" merge "$t" --dry-run --into "$b" --onto "$p1" > /dev/null 2>&1; then
		dry=clean
	else
		dry=conflict
	fi
	if "$bin" merge "$t" --into "$b" --onto "$p1" > "$scratch/out" 2>&1; then
		got=clean; got_tree=$(git rev-parse "$b^{tree}")
	else
		got=conflict; got_tree=
		"$bin" merge --abort > /dev/null 2>&1 || true
	fi
	"$bin" remove "$t" > /dev/null 2>&1 || true
	git branch -q -D "$b" "track/$t" > /dev/null 2>&1 || true
	if [ "$want" = "$got" ] && [ "$want" = "$dry" ] && [ "$want_tree" = "$got_tree" ]; then
		agree=$((agree + 1))
	else
		disagree=$((disagree + 1))
		echo "DISAGREE $merge (p1 $p1, p2 $p2): git $want $want_tree; merge $got $got_tree; dry run $dry"
	fi
	if [ "$want" = clean ]; then clean=$((clean + 1)); else conflicts=$((conflicts + 1)); fi
done < "$scratch/sample"
elapsed=$(( $(date +%s) - start ))
echo "cases: $cases (git: $clean clean, $conflicts conflicts); agreements: $agree; disagreements: $disagree; time: ${elapsed}s"
[ -n "$keep" ] && echo "kept: $scratch"
[ "$disagree" -eq 0 ]
