//! What is on the disk after a cut: a tree of files, written back to the
//! backing directory at unmount.

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::io;
use std::path::Path;

/// A tree of files: what is on the disk after a cut.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Image {
    File {
        bytes: Vec<u8>,
        mode: u32,
    },
    Dir {
        entries: BTreeMap<OsString, Image>,
        mode: u32,
    },
}

impl Image {
    /// Replaces the contents of directory `root` with this image's entries.
    pub fn write_into(&self, root: &Path) -> io::Result<()> {
        let Image::Dir { entries, .. } = self else {
            return Err(io::Error::other("the image of a disk is a directory"));
        };
        for entry in std::fs::read_dir(root)? {
            let entry = entry?;
            if entry.file_type()?.is_dir() {
                std::fs::remove_dir_all(entry.path())?;
            } else {
                std::fs::remove_file(entry.path())?;
            }
        }
        for (name, image) in entries {
            image.write_at(&root.join(name))?;
        }
        Ok(())
    }

    fn write_at(&self, path: &Path) -> io::Result<()> {
        use std::os::unix::fs::PermissionsExt;
        match self {
            Image::File { bytes, mode } => {
                std::fs::write(path, bytes)?;
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & 0o7777))
            }
            Image::Dir { entries, mode } => {
                std::fs::create_dir(path)?;
                for (name, image) in entries {
                    image.write_at(&path.join(name))?;
                }
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & 0o7777))
            }
        }
    }

    /// The file at `path` (components separated by `/`), if any.
    pub fn file(&self, path: &str) -> Option<&[u8]> {
        let mut node = self;
        for part in path.split('/').filter(|p| !p.is_empty()) {
            let Image::Dir { entries, .. } = node else {
                return None;
            };
            node = entries.get(OsStr::new(part))?;
        }
        match node {
            Image::File { bytes, .. } => Some(bytes),
            Image::Dir { .. } => None,
        }
    }
}
