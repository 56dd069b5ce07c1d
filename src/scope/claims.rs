//! Which tracks claim a path, and the claims of all tracks over a tree.
//!
//! Many tracks' globs go into one matcher, so a path is matched once against all of
//! them; within each track the last matching pattern wins, as in its scope. A list with
//! no include pattern (an empty scope means "everything") claims nothing in particular:
//! such a track is left out of claims, overlaps and the lint.

use crate::repo::Repo;
use crate::scope;
use crate::scope::GlobError;
use crate::scope::changes;
use crate::scope::shared::Shared;
use crate::store::Listing;
use crate::track::{Status, Track};
use anyhow::Result;
use gix::ObjectId;
use globset::{GlobSet, GlobSetBuilder};
use serde::Serialize;

/// Is the track still going to change files (so its scope and contracts count)?
pub fn is_live(track: &Track) -> bool {
    matches!(
        track.status,
        Status::Backlog | Status::Active | Status::Blocked
    )
}

/// Does a pattern list claim anything in particular?
pub fn claims_something(patterns: &[String]) -> bool {
    patterns.iter().any(|p| !p.starts_with('!'))
}

/// Named pattern lists matched together.
#[derive(Debug, Clone)]
pub struct ClaimIndex {
    set: GlobSet,
    /// For each glob of `set`: the list it belongs to and whether it includes.
    owner: Vec<(usize, bool)>,
    names: Vec<String>,
}

/// Which of a track's lists to read.
#[derive(Debug, Clone, Copy)]
pub enum Field {
    Scope,
    Contracts,
}

impl Field {
    fn of(self, track: &Track) -> &[String] {
        match self {
            Field::Scope => &track.scope,
            Field::Contracts => &track.contracts,
        }
    }

    pub fn word(self) -> &'static str {
        match self {
            Field::Scope => "scope",
            Field::Contracts => "contracts",
        }
    }
}

impl ClaimIndex {
    /// The `field` of every live track in `listing` but `except`.
    pub fn of_tracks(listing: &Listing, field: Field, except: Option<&str>) -> Result<ClaimIndex> {
        let tracks = listing
            .tracks
            .iter()
            .map(|s| &s.track)
            .filter(|t| is_live(t) && Some(t.name.as_str()) != except);
        let mut builder = GlobSetBuilder::new();
        let mut owner = Vec::new();
        let mut names = Vec::new();
        for t in tracks {
            let patterns = field.of(t);
            if !claims_something(patterns) {
                continue;
            }
            for p in patterns {
                let (include, glob) = scope::parse_pattern(p).map_err(|e| invalid(t, field, e))?;
                builder.add(glob);
                owner.push((names.len(), include));
            }
            names.push(t.name.clone());
        }
        let set = builder.build().map_err(|e| ClaimsError::Set {
            field,
            why: e.to_string(),
        })?;
        Ok(ClaimIndex { set, owner, names })
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The names of the lists that claim `path`, in listing order.
    pub fn claimants(&self, path: &str) -> Vec<&str> {
        if self.names.is_empty() {
            return Vec::new();
        }
        let mut last: Vec<(usize, bool)> = Vec::new();
        for glob in self.set.matches(path) {
            let (list, include) = self.owner[glob];
            match last.iter_mut().find(|(l, _)| *l == list) {
                Some(slot) => slot.1 = include,
                None => last.push((list, include)),
            }
        }
        last.sort_unstable();
        last.iter()
            .filter(|(_, include)| *include)
            .map(|(list, _)| self.names[*list].as_str())
            .collect()
    }
}

/// Globs of stored definitions that do not make a matcher.
#[derive(Debug, thiserror::Error)]
pub enum ClaimsError {
    /// A stored definition whose globs do not parse: bad input, naming the track.
    #[error("track '{track}' has an invalid {}: {cause}", field.word())]
    Invalid {
        track: String,
        field: Field,
        cause: GlobError,
    },
    /// All tracks' globs of `field` together do not make one matcher.
    #[error("invalid {}: {why}", field.word())]
    Set { field: Field, why: String },
}

/// A stored definition whose globs do not parse: bad input, naming the track.
pub fn invalid(track: &Track, field: Field, e: GlobError) -> anyhow::Error {
    ClaimsError::Invalid {
        track: track.name.clone(),
        field,
        cause: e,
    }
    .into()
}

/// The files of one track.
#[derive(Debug, Clone, Serialize)]
pub struct TrackClaims {
    pub name: String,
    pub scope: Vec<String>,
    pub files: Vec<String>,
}

/// A file more than one track claims.
#[derive(Debug, Clone, Serialize)]
pub struct Contested {
    pub path: String,
    pub tracks: Vec<String>,
}

/// The claims of every live track over one tree.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The tree the files come from.
    pub tree: String,
    /// How many files the tree holds.
    pub files: usize,
    pub tracks: Vec<TrackClaims>,
    /// Live tracks whose scope claims nothing in particular (empty: everything).
    pub unscoped: Vec<String>,
    pub contested: Vec<Contested>,
    /// Files in no track's scope that are not shared either.
    pub unclaimed: Vec<String>,
    /// Files every track may change (track.sharedPaths, .gittracks).
    pub shared: Vec<String>,
}

/// Which live track claims which file of `tree`.
pub fn report(repo: &Repo, listing: &Listing, shared: &Shared, tree: ObjectId) -> Result<Report> {
    let index = ClaimIndex::of_tracks(listing, Field::Scope, None)?;
    let files = changes::all_files(&repo.gix, tree)?;
    let mut per_track: Vec<Vec<String>> = vec![Vec::new(); index.names.len()];
    let mut contested = Vec::new();
    let mut unclaimed = Vec::new();
    let mut shared_files = Vec::new();
    for path in &files {
        let claimants = index.claimants(path);
        for name in &claimants {
            if let Some(i) = index.names.iter().position(|n| n == name) {
                per_track[i].push(path.clone());
            }
        }
        if claimants.len() > 1 {
            contested.push(Contested {
                path: path.clone(),
                tracks: claimants.iter().map(|s| s.to_string()).collect(),
            });
        }
        if shared.contains(path) {
            shared_files.push(path.clone());
        } else if claimants.is_empty() {
            unclaimed.push(path.clone());
        }
    }
    let tracks = index
        .names
        .iter()
        .zip(per_track)
        .filter_map(|(name, files)| {
            let t = &listing.get(name)?.track;
            Some(TrackClaims {
                name: name.clone(),
                scope: t.scope.clone(),
                files,
            })
        })
        .collect();
    let unscoped = listing
        .tracks
        .iter()
        .map(|s| &s.track)
        .filter(|t| is_live(t) && !claims_something(&t.scope))
        .map(|t| t.name.clone())
        .collect();
    Ok(Report {
        tree: tree.to_string(),
        files: files.len(),
        tracks,
        unscoped,
        contested,
        unclaimed,
        shared: shared_files,
    })
}

/// Files of `tree` that both `track` and another live track claim.
#[derive(Debug, Clone, Serialize)]
pub struct ClaimOverlap {
    pub track: String,
    pub count: usize,
    /// The first few of those files.
    pub examples: Vec<String>,
}

/// How many files of `tree` the scope of `track` shares with each other live track's;
/// `examples` keeps up to `max_examples` of them.
pub fn overlaps(
    repo: &Repo,
    listing: &Listing,
    track: &Track,
    tree: ObjectId,
    max_examples: usize,
) -> Result<Vec<ClaimOverlap>> {
    if !claims_something(&track.scope) {
        return Ok(Vec::new());
    }
    let own = scope::Scope::new(&track.scope).map_err(|e| invalid(track, Field::Scope, e))?;
    let others = ClaimIndex::of_tracks(listing, Field::Scope, Some(&track.name))?;
    if others.is_empty() {
        return Ok(Vec::new());
    }
    let mut found: Vec<ClaimOverlap> = Vec::new();
    for path in changes::all_files(&repo.gix, tree)? {
        if !own.contains(&path) {
            continue;
        }
        for name in others.claimants(&path) {
            let slot = match found.iter().position(|o| o.track == name) {
                Some(i) => &mut found[i],
                None => {
                    found.push(ClaimOverlap {
                        track: name.to_owned(),
                        count: 0,
                        examples: Vec::new(),
                    });
                    let last = found.len() - 1;
                    &mut found[last]
                }
            };
            slot.count += 1;
            if slot.examples.len() < max_examples {
                slot.examples.push(path.clone());
            }
        }
    }
    found.sort_by(|a, b| a.track.cmp(&b.track));
    Ok(found)
}
