//! # amphi-powercut: a filesystem whose power can be cut
//!
//! A power cut loses what `kill -9` never does: bytes written but not yet
//! `fsync`'d, and directory changes (create, rename, unlink) not yet made
//! durable by an `fsync` of their directory. This crate mounts a small FUSE
//! filesystem that models exactly that, so a test can run a real program on
//! it, cut the power at a chosen moment, and restart the program on what a
//! real disk would have kept.
//!
//! - [`disk`]: the model (pure): each node's state now, its durable state,
//!   and the changes in between; what a cut leaves, optionally torn (a
//!   prefix of each file's unsynced writes, a subset of each directory's
//!   unsynced changes).
//! - [`fs`]: the FUSE requests mapped onto the model.
//! - [`Mounted`]: mount over a directory (loading the backing directory as
//!   the disk's durable content), arm or cut, unmount and write the
//!   survivors back to the backing directory.
//!
//! The backing directory plays the disk: it is read at mount, and at
//! unmount it is replaced by what survived (everything after a clean run,
//! only the durable state after a cut). The program restarts on it directly.
//!
//! Mounting needs `/dev/fuse` and, as root, nothing else (the mount syscall
//! is used directly); non-root users need `fusermount3` from the `fuse3`
//! package. [`Mounted::mount`] returns the OS error when it cannot mount,
//! so tests can skip with the reason.
//!
//! Not modelled: metadata-only durability (mode, times), hard links and
//! symlinks (refused), reordering of writes inside one file beyond "a
//! prefix of the unsynced writes survives".

pub mod disk;
pub mod fs;
mod image;
mod node;

pub use disk::{Cut, Disk, Image, Op, Trigger};

use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

/// A mounted power-cut filesystem.
pub struct Mounted {
    session: Option<fuser::BackgroundSession>,
    disk: Arc<Mutex<Disk>>,
    backing: PathBuf,
    mountpoint: PathBuf,
}

impl Mounted {
    /// Loads `backing` as the disk's durable content and mounts the
    /// filesystem on `mountpoint` (both existing directories).
    pub fn mount(backing: &Path, mountpoint: &Path) -> io::Result<Mounted> {
        let meta = std::fs::metadata(backing)?;
        let disk = Arc::new(Mutex::new(Disk::load(backing)?));
        let fs = fs::PowerFs {
            disk: disk.clone(),
            uid: meta.uid(),
            gid: meta.gid(),
        };
        let mut config = fuser::Config::default();
        config.mount_options = vec![
            fuser::MountOption::FSName("amphi-powercut".into()),
            fuser::MountOption::NoAtime,
        ];
        let session = fuser::spawn_mount(fs, mountpoint, &config)?;
        Ok(Mounted {
            session: Some(session),
            disk,
            backing: backing.to_path_buf(),
            mountpoint: mountpoint.to_path_buf(),
        })
    }

    /// Where the filesystem is mounted.
    pub fn path(&self) -> &Path {
        &self.mountpoint
    }

    fn disk(&self) -> MutexGuard<'_, Disk> {
        self.disk.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Cuts the power at the operation `trigger` names.
    pub fn arm(&self, trigger: Trigger) {
        self.disk().arm(trigger);
    }

    /// Cuts the power now (a no-op if it is already off); `torn` seeds the
    /// choice of which unsynced changes survive in part.
    pub fn cut(&self, torn: Option<u64>) {
        self.disk().cut(torn);
    }

    /// The cut, once the power is off.
    pub fn cut_record(&self) -> Option<Cut> {
        self.disk().cut_record().cloned()
    }

    /// Unmounts (every program using the mount must have exited) and
    /// replaces the backing directory's contents by what survived.
    pub fn unmount(mut self) -> io::Result<Option<Cut>> {
        if let Some(session) = self.session.take() {
            session.umount_and_join()?;
        }
        let (image, cut) = {
            let disk = self.disk();
            (disk.image(), disk.cut_record().cloned())
        };
        image.write_into(&self.backing)?;
        Ok(cut)
    }
}

impl Drop for Mounted {
    fn drop(&mut self) {
        if let Some(session) = self.session.take() {
            let _ = session.umount_and_join();
        }
    }
}
