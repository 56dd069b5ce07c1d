//! Whether a new track's name is free and its dependencies make sense.

use super::{LifecycleError, NameCollision};
use crate::deps;
use crate::store::Listing;
use crate::track::{self, Track};
use anyhow::Result;

/// Refuses a name that is invalid, taken, or taken but for case or Unicode normalisation
/// (NFC and NFD spellings of one name collide on macOS as case variants do elsewhere).
/// Definition refs that cannot be read count as taken too.
pub fn check_new_name(taken: &[String], name: &str) -> Result<()> {
    track::validate_name(name)?;
    let taken = taken.iter().map(String::as_str);
    let key = collision_key(name);
    for other in taken {
        if other == name {
            return Err(LifecycleError::NameTaken {
                name: name.to_owned(),
            }
            .into());
        }
        if collision_key(other) == key {
            let how = if nfc(other) == nfc(name) {
                NameCollision::Normalisation
            } else {
                NameCollision::Case
            };
            return Err(LifecycleError::NameCollides {
                name: name.to_owned(),
                other: other.to_owned(),
                how,
            }
            .into());
        }
    }
    Ok(())
}

fn nfc(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    name.nfc().collect()
}

/// Names with equal keys name one file on a case-insensitive, normalising filesystem.
fn collision_key(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    // ASCII is its own NFD and NFC, and a name check computes the key of every track.
    if name.is_ascii() {
        return name.to_ascii_lowercase();
    }
    name.nfd()
        .collect::<String>()
        .to_lowercase()
        .nfc()
        .collect()
}

/// Refuses unknown dependencies and dependency cycles, given the definition `track` would have.
pub fn check_dependencies(listing: &Listing, track: &Track) -> Result<()> {
    for dep in &track.depends_on {
        if dep == &track.name {
            return Err(LifecycleError::DependsOnItself {
                name: track.name.clone(),
            }
            .into());
        }
        if listing.get(dep).is_none() {
            return Err(LifecycleError::UnknownDependency { dep: dep.clone() }.into());
        }
    }
    let mut graph: deps::Graph<'_> = listing
        .tracks
        .iter()
        .filter(|s| s.track.name != track.name)
        .map(|s| {
            (
                s.track.name.as_str(),
                s.track.depends_on.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    graph.insert(
        track.name.as_str(),
        track.depends_on.iter().map(String::as_str).collect(),
    );
    if let Some(cycle) = deps::find_cycle(&graph) {
        return Err(LifecycleError::DependencyCycle { cycle }.into());
    }
    Ok(())
}

/// `items` without repeats, in their first order.
pub(super) fn dedup(items: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(items.len());
    for i in items {
        if !out.contains(i) {
            out.push(i.clone());
        }
    }
    out
}
