//! One file's or directory's versions: what reads see (`now`), what the
//! disk holds (`durable`), and the changes between them since its last
//! `fsync`; and what of them a power cut leaves.

use crate::disk::{Ino, Kind};
use rand::Rng;
use rand::rngs::StdRng;
use std::collections::BTreeMap;
use std::ffi::OsString;

#[derive(Debug, Clone)]
pub(crate) enum FileChange {
    Write { offset: u64, bytes: Vec<u8> },
    SetLen(u64),
}

#[derive(Debug, Clone)]
pub(crate) enum DirChange {
    Link(OsString, Ino),
    Unlink(OsString),
    /// A rename inside one directory: atomic, as every Linux filesystem
    /// makes it (the new name is either the old file or the renamed one).
    Move {
        from: OsString,
        to: OsString,
        ino: Ino,
    },
}

pub(crate) fn apply_file(data: &mut Vec<u8>, change: &FileChange, keep: Option<usize>) {
    match change {
        FileChange::Write { offset, bytes } => {
            let bytes = &bytes[..keep.unwrap_or(bytes.len()).min(bytes.len())];
            let start = *offset as usize;
            let end = start + bytes.len();
            if data.len() < end {
                data.resize(end, 0);
            }
            data[start..end].copy_from_slice(bytes);
        }
        FileChange::SetLen(len) => data.resize(*len as usize, 0),
    }
}

pub(crate) fn apply_dir(entries: &mut BTreeMap<OsString, Ino>, change: &DirChange) {
    match change {
        DirChange::Link(name, ino) => {
            entries.insert(name.clone(), *ino);
        }
        DirChange::Unlink(name) => {
            entries.remove(name);
        }
        DirChange::Move { from, to, ino } => {
            entries.remove(from);
            entries.insert(to.clone(), *ino);
        }
    }
}

#[derive(Debug)]
pub(crate) enum Body {
    File {
        now: Vec<u8>,
        durable: Vec<u8>,
        pending: Vec<FileChange>,
    },
    Dir {
        now: BTreeMap<OsString, Ino>,
        durable: BTreeMap<OsString, Ino>,
        pending: Vec<DirChange>,
    },
}

#[derive(Debug)]
pub(crate) struct Node {
    pub mode: u32,
    /// The name it was last given (for triggers and messages).
    pub name: OsString,
    pub body: Body,
}

impl Node {
    pub fn kind(&self) -> Kind {
        match self.body {
            Body::File { .. } => Kind::File,
            Body::Dir { .. } => Kind::Dir,
        }
    }

    pub fn sync(&mut self) {
        match &mut self.body {
            Body::File {
                durable, pending, ..
            } => {
                for change in pending.drain(..) {
                    apply_file(durable, &change, None);
                }
            }
            Body::Dir {
                durable, pending, ..
            } => {
                for change in pending.drain(..) {
                    apply_dir(durable, &change);
                }
            }
        }
    }

    /// What a cut leaves of this node: `durable`, plus with `rng` a random
    /// prefix of a file's pending writes, or a random subset of a
    /// directory's pending changes (a filesystem may write its directory
    /// updates in any order until the directory is synced).
    pub fn survivor(&self, rng: Option<&mut StdRng>) -> Survivor {
        match &self.body {
            Body::File {
                durable, pending, ..
            } => {
                let mut data = durable.clone();
                if let Some(rng) = rng {
                    let kept = rng.random_range(0..=pending.len());
                    for change in &pending[..kept] {
                        apply_file(&mut data, change, None);
                    }
                    if let Some(change @ FileChange::Write { bytes, .. }) = pending.get(kept) {
                        let part = rng.random_range(0..=bytes.len());
                        apply_file(&mut data, change, Some(part));
                    }
                }
                Survivor::File(data)
            }
            Body::Dir {
                durable, pending, ..
            } => {
                let mut entries = durable.clone();
                if let Some(rng) = rng {
                    for change in pending {
                        if rng.random_bool(0.5) {
                            apply_dir(&mut entries, change);
                        }
                    }
                }
                Survivor::Dir(entries)
            }
        }
    }
}

pub(crate) enum Survivor {
    File(Vec<u8>),
    Dir(BTreeMap<OsString, Ino>),
}
