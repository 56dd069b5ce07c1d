//! New objects written as one pack rather than a file each: `import` makes three objects
//! per track (a definition's blob, tree and commit).
//!
//! A loose object is a file in one of 256 folders; in a fresh clone none of those folders
//! exists, and creating a folder and a file per object was most of an import of 65 topics
//! on git.git (0.4 s of system time on ext4, where `git branch` for the same topics
//! creates no object at all). One pack is two files. The pack is written with a `.keep`
//! file beside it, as a fetch writes one, so that a `git gc` running meanwhile cannot drop
//! the objects before the refs point to them; [`Written::release`] removes it.

use anyhow::{Context, Result, anyhow};
use gix::odb::memory::Storage;
use gix_pack::data::output::{Count, Entry, bytes::FromEntriesIter};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

/// A pack written, held by its `.keep` file until released.
pub struct Written {
    keep: Option<PathBuf>,
}

impl Written {
    /// Lets a later `git gc` repack the objects like any others.
    pub fn release(self) {
        if let Some(keep) = self.keep {
            let _ = std::fs::remove_file(keep);
        }
    }
}

/// Writes `objects` into a new pack of `repo`'s object database, with its index.
pub fn write(repo: &gix::Repository, objects: Storage) -> Result<Written> {
    if objects.is_empty() {
        return Ok(Written { keep: None });
    }
    let folder = repo.objects.store_ref().path().join("pack");
    crate::fault::point(|| {
        format!(
            "write a pack of {} objects in {}",
            objects.len(),
            folder.display()
        )
    });
    // Sorted by id: the same objects make the same pack.
    let mut sorted: Vec<_> = objects.iter().collect();
    sorted.sort_by_key(|(id, _)| **id);
    let entries = sorted
        .into_iter()
        .map(|(id, (kind, data))| {
            Entry::from_data(
                &Count::from_data(*id, None),
                &gix::objs::Data::new(data, *kind, repo.object_hash()),
                gix::zlib::Compression::default(),
            )
        })
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| anyhow!("could not compress the objects of a pack: {e}"))?;
    let count = u32::try_from(entries.len()).context("too many objects for one pack")?;
    let mut bytes = Vec::new();
    for chunk in FromEntriesIter::new(
        std::iter::once(Ok(entries)),
        &mut bytes,
        count,
        gix_pack::data::Version::V2,
        repo.object_hash(),
    ) {
        chunk.map_err(|e| anyhow!("could not encode a pack: {e}"))?;
    }
    std::fs::create_dir_all(&folder)
        .with_context(|| format!("could not create {}", folder.display()))?;
    let outcome = gix_pack::Bundle::write_to_directory(
        &mut bytes.as_slice(),
        Some(&folder),
        &mut gix::progress::Discard,
        &AtomicBool::new(false),
        None::<gix::objs::find::Never>,
        repo.object_hash(),
        gix_pack::bundle::write::Options::default(),
    )
    .map_err(|e| anyhow!("could not write a pack in {}: {e}", folder.display()))?;
    Ok(Written {
        keep: outcome.keep_path,
    })
}
