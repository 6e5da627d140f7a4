//! The disk model: what the filesystem shows now, and what a power cut leaves.
//!
//! Every file and directory (a node) has two versions: `now`, what reads
//! see, and `durable`, what the disk holds. Between them, the `pending`
//! changes made since the node's last `fsync`, in order. An `fsync` of the
//! node applies them all to `durable`; a power cut keeps `durable` (or,
//! torn, `durable` plus a random prefix of the pending changes, the last one
//! possibly cut in the middle of a write) and drops everything else.
//!
//! A directory's entries are changed like a file's bytes: creating,
//! renaming or deleting a file is a pending change of its directory (a
//! rename is a link in the new directory and an unlink in the old one), made
//! durable only by an `fsync` of that directory. A file whose name never
//! became durable is lost at a cut, however well its bytes were synced.
//!
//! Pure and synchronous: the FUSE layer (`fs.rs`) locks it and calls it, and
//! its unit tests need no mount. One node's versions are in `node.rs`, the
//! tree a cut leaves in `image.rs`.

pub use crate::image::Image;
use crate::node::{Body, DirChange, FileChange, Node, Survivor, apply_file};
use rand::SeedableRng;
use rand::rngs::StdRng;
use std::collections::{BTreeMap, HashMap};
use std::ffi::{OsStr, OsString};
use std::io;
use std::path::Path;

/// A node number, as FUSE's inode numbers.
pub type Ino = u64;
/// The root directory's node.
pub const ROOT: Ino = 1;

/// Why an operation was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    NotFound,
    Exists,
    NotDir,
    IsDir,
    NotEmpty,
    Invalid,
    /// The power was cut: the machine is dead, nothing works any more.
    PoweredOff,
}

/// File or directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    File,
    Dir,
}

/// What `getattr` reports.
#[derive(Debug, Clone, Copy)]
pub struct Attr {
    pub ino: Ino,
    pub kind: Kind,
    pub size: u64,
    pub mode: u32,
}

/// The kinds of operations that change something, for [`Trigger`]s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Create,
    Mkdir,
    Write,
    SetLen,
    Unlink,
    Rmdir,
    Rename,
    SyncFile,
    SyncDir,
}

/// When to cut the power by itself: just before the `skip + 1`-th operation
/// of kind `op` (any kind if `None`) on a node whose name contains `name`
/// (any name if empty). The operation itself never happens.
#[derive(Debug, Clone)]
pub struct Trigger {
    pub op: Option<Op>,
    pub name: String,
    pub skip: u64,
    /// Keep random prefixes of the pending changes (seeded): torn writes.
    pub torn: Option<u64>,
}

/// Directories nested deeper than this are not followed (a cycle made by a
/// half-durable directory rename cannot hang the cut).
const MAX_DEPTH: usize = 64;

/// A record of how the power was cut, for the test's log.
#[derive(Debug, Clone)]
pub struct Cut {
    /// What the disk holds afterwards.
    pub image: Image,
    /// The operation it cut before (`None`: cut by hand).
    pub before: Option<(Op, String)>,
    /// Whether random prefixes of pending changes were kept.
    pub torn: bool,
}

/// The whole filesystem.
#[derive(Debug)]
pub struct Disk {
    nodes: HashMap<Ino, Node>,
    next_ino: Ino,
    trigger: Option<Trigger>,
    cut: Option<Cut>,
}

impl Disk {
    /// An empty disk: a root directory only.
    pub fn empty() -> Disk {
        let mut nodes = HashMap::new();
        nodes.insert(
            ROOT,
            Node {
                mode: 0o755,
                name: OsString::from("/"),
                body: Body::Dir {
                    now: BTreeMap::new(),
                    durable: BTreeMap::new(),
                    pending: Vec::new(),
                },
            },
        );
        Disk {
            nodes,
            next_ino: ROOT + 1,
            trigger: None,
            cut: None,
        }
    }

    /// A disk holding directory `root`'s tree, all of it durable.
    pub fn load(root: &Path) -> io::Result<Disk> {
        let mut disk = Disk::empty();
        disk.load_into(ROOT, root)?;
        Ok(disk)
    }

    fn load_into(&mut self, parent: Ino, dir: &Path) -> io::Result<()> {
        use std::os::unix::fs::PermissionsExt;
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            let meta = entry.metadata()?;
            let mode = meta.permissions().mode() & 0o7777;
            let name = entry.file_name();
            let body = if meta.is_dir() {
                Body::Dir {
                    now: BTreeMap::new(),
                    durable: BTreeMap::new(),
                    pending: Vec::new(),
                }
            } else {
                let bytes = std::fs::read(entry.path())?;
                Body::File {
                    now: bytes.clone(),
                    durable: bytes,
                    pending: Vec::new(),
                }
            };
            let ino = self.add(name.clone(), mode, body);
            if let Some(Body::Dir { now, durable, .. }) = self.body_mut(parent) {
                now.insert(name.clone(), ino);
                durable.insert(name, ino);
            }
            if meta.is_dir() {
                self.load_into(ino, &entry.path())?;
            }
        }
        Ok(())
    }

    fn add(&mut self, name: OsString, mode: u32, body: Body) -> Ino {
        let ino = self.next_ino;
        self.next_ino += 1;
        self.nodes.insert(ino, Node { mode, name, body });
        ino
    }

    fn body_mut(&mut self, ino: Ino) -> Option<&mut Body> {
        self.nodes.get_mut(&ino).map(|n| &mut n.body)
    }

    fn node(&self, ino: Ino) -> Result<&Node, Error> {
        self.nodes.get(&ino).ok_or(Error::NotFound)
    }

    /// Arms `trigger`: the power goes off by itself at the operation it names.
    pub fn arm(&mut self, trigger: Trigger) {
        self.trigger = Some(trigger);
    }

    /// Whether the power is off.
    pub fn is_cut(&self) -> bool {
        self.cut.is_some()
    }

    /// The cut, once it happened.
    pub fn cut_record(&self) -> Option<&Cut> {
        self.cut.as_ref()
    }

    /// Cuts the power now (if not already off): computes what the disk
    /// holds, and refuses every operation from then on.
    pub fn cut(&mut self, torn: Option<u64>) {
        self.cut_before(None, torn);
    }

    fn cut_before(&mut self, before: Option<(Op, String)>, torn: Option<u64>) {
        if self.cut.is_some() {
            return;
        }
        let mut rng = torn.map(StdRng::seed_from_u64);
        let mut survivors: HashMap<Ino, Survivor> = HashMap::new();
        let mut inos: Vec<Ino> = self.nodes.keys().copied().collect();
        inos.sort_unstable();
        for ino in inos {
            if let Some(node) = self.nodes.get(&ino) {
                survivors.insert(ino, node.survivor(rng.as_mut()));
            }
        }
        let image = self.image_of(ROOT, &survivors, 0);
        self.cut = Some(Cut {
            image,
            before,
            torn: torn.is_some(),
        });
        self.trigger = None;
    }

    fn image_of(&self, ino: Ino, survivors: &HashMap<Ino, Survivor>, depth: usize) -> Image {
        let mode = self.nodes.get(&ino).map_or(0o755, |n| n.mode);
        match survivors.get(&ino) {
            Some(Survivor::File(bytes)) => Image::File {
                bytes: bytes.clone(),
                mode,
            },
            Some(Survivor::Dir(entries)) if depth < MAX_DEPTH => Image::Dir {
                entries: entries
                    .iter()
                    .map(|(name, child)| {
                        (name.clone(), self.image_of(*child, survivors, depth + 1))
                    })
                    .collect(),
                mode,
            },
            _ => Image::Dir {
                entries: BTreeMap::new(),
                mode,
            },
        }
    }

    /// Everything as it is now, as after a clean shutdown that wrote back
    /// every cache (or the cut's image if the power was cut).
    pub fn image(&self) -> Image {
        if let Some(cut) = &self.cut {
            return cut.image.clone();
        }
        let survivors = self
            .nodes
            .iter()
            .map(|(ino, node)| {
                let survivor = match &node.body {
                    Body::File { now, .. } => Survivor::File(now.clone()),
                    Body::Dir { now, .. } => Survivor::Dir(now.clone()),
                };
                (*ino, survivor)
            })
            .collect();
        self.image_of(ROOT, &survivors, 0)
    }

    /// Called before every change: refuses when the power is off, and cuts
    /// it when the armed trigger matches.
    fn step(&mut self, op: Op, ino: Ino, name: Option<&OsStr>) -> Result<(), Error> {
        if self.cut.is_some() {
            return Err(Error::PoweredOff);
        }
        let Some(trigger) = &mut self.trigger else {
            return Ok(());
        };
        let node_name = match name {
            Some(name) => name.to_string_lossy().into_owned(),
            None => self
                .nodes
                .get(&ino)
                .map(|n| n.name.to_string_lossy().into_owned())
                .unwrap_or_default(),
        };
        let matches = trigger.op.is_none_or(|o| o == op)
            && (trigger.name.is_empty() || node_name.contains(&trigger.name));
        if !matches {
            return Ok(());
        }
        if trigger.skip > 0 {
            trigger.skip -= 1;
            return Ok(());
        }
        let torn = trigger.torn;
        self.cut_before(Some((op, node_name)), torn);
        Err(Error::PoweredOff)
    }

    fn check_on(&self) -> Result<(), Error> {
        if self.cut.is_some() {
            Err(Error::PoweredOff)
        } else {
            Ok(())
        }
    }

    fn entries(&self, dir: Ino) -> Result<&BTreeMap<OsString, Ino>, Error> {
        match &self.node(dir)?.body {
            Body::Dir { now, .. } => Ok(now),
            Body::File { .. } => Err(Error::NotDir),
        }
    }

    /// The node named `name` in directory `parent`.
    pub fn lookup(&self, parent: Ino, name: &OsStr) -> Result<Ino, Error> {
        self.check_on()?;
        self.entries(parent)?
            .get(name)
            .copied()
            .ok_or(Error::NotFound)
    }

    /// A node's attributes.
    pub fn attr(&self, ino: Ino) -> Result<Attr, Error> {
        self.check_on()?;
        let node = self.node(ino)?;
        let size = match &node.body {
            Body::File { now, .. } => now.len() as u64,
            Body::Dir { now, .. } => now.len() as u64,
        };
        Ok(Attr {
            ino,
            kind: node.kind(),
            size,
            mode: node.mode,
        })
    }

    /// A directory's entries, sorted by name.
    pub fn list(&self, dir: Ino) -> Result<Vec<(OsString, Ino, Kind)>, Error> {
        self.check_on()?;
        Ok(self
            .entries(dir)?
            .iter()
            .map(|(name, ino)| {
                let kind = self.nodes.get(ino).map_or(Kind::File, Node::kind);
                (name.clone(), *ino, kind)
            })
            .collect())
    }

    fn link(&mut self, parent: Ino, name: &OsStr, ino: Ino) -> Result<(), Error> {
        match self.body_mut(parent) {
            Some(Body::Dir { now, pending, .. }) => {
                now.insert(name.to_os_string(), ino);
                pending.push(DirChange::Link(name.to_os_string(), ino));
                Ok(())
            }
            Some(Body::File { .. }) => Err(Error::NotDir),
            None => Err(Error::NotFound),
        }
    }

    fn unlink_entry(&mut self, parent: Ino, name: &OsStr) {
        if let Some(Body::Dir { now, pending, .. }) = self.body_mut(parent) {
            now.remove(name);
            pending.push(DirChange::Unlink(name.to_os_string()));
        }
    }

    /// Creates a file or directory `name` in `parent`.
    pub fn create(
        &mut self,
        parent: Ino,
        name: &OsStr,
        kind: Kind,
        mode: u32,
    ) -> Result<Ino, Error> {
        let op = match kind {
            Kind::File => Op::Create,
            Kind::Dir => Op::Mkdir,
        };
        self.step(op, parent, Some(name))?;
        if self.entries(parent)?.contains_key(name) {
            return Err(Error::Exists);
        }
        let body = match kind {
            Kind::File => Body::File {
                now: Vec::new(),
                durable: Vec::new(),
                pending: Vec::new(),
            },
            Kind::Dir => Body::Dir {
                now: BTreeMap::new(),
                durable: BTreeMap::new(),
                pending: Vec::new(),
            },
        };
        let ino = self.add(name.to_os_string(), mode & 0o7777, body);
        self.link(parent, name, ino)?;
        Ok(ino)
    }

    /// Writes `bytes` at `offset` of file `ino`.
    pub fn write(&mut self, ino: Ino, offset: u64, bytes: &[u8]) -> Result<usize, Error> {
        self.step(Op::Write, ino, None)?;
        match self.body_mut(ino) {
            Some(Body::File { now, pending, .. }) => {
                let change = FileChange::Write {
                    offset,
                    bytes: bytes.to_vec(),
                };
                apply_file(now, &change, None);
                pending.push(change);
                Ok(bytes.len())
            }
            Some(Body::Dir { .. }) => Err(Error::IsDir),
            None => Err(Error::NotFound),
        }
    }

    /// Reads up to `size` bytes at `offset` of file `ino`.
    pub fn read(&self, ino: Ino, offset: u64, size: usize) -> Result<&[u8], Error> {
        self.check_on()?;
        match &self.node(ino)?.body {
            Body::File { now, .. } => {
                let start = (offset as usize).min(now.len());
                let end = start.saturating_add(size).min(now.len());
                Ok(&now[start..end])
            }
            Body::Dir { .. } => Err(Error::IsDir),
        }
    }

    /// Truncates or extends file `ino`.
    pub fn set_len(&mut self, ino: Ino, len: u64) -> Result<(), Error> {
        self.step(Op::SetLen, ino, None)?;
        match self.body_mut(ino) {
            Some(Body::File { now, pending, .. }) => {
                let change = FileChange::SetLen(len);
                apply_file(now, &change, None);
                pending.push(change);
                Ok(())
            }
            Some(Body::Dir { .. }) => Err(Error::IsDir),
            None => Err(Error::NotFound),
        }
    }

    /// Sets the permission bits of `ino` (kept as they are: metadata is not
    /// what this disk is about).
    pub fn set_mode(&mut self, ino: Ino, mode: u32) -> Result<(), Error> {
        self.check_on()?;
        let node = self.nodes.get_mut(&ino).ok_or(Error::NotFound)?;
        node.mode = mode & 0o7777;
        Ok(())
    }

    /// Removes file `name` from `parent`.
    pub fn unlink(&mut self, parent: Ino, name: &OsStr) -> Result<(), Error> {
        self.step(Op::Unlink, parent, Some(name))?;
        let ino = self.lookup(parent, name)?;
        if self.node(ino)?.kind() == Kind::Dir {
            return Err(Error::IsDir);
        }
        self.unlink_entry(parent, name);
        Ok(())
    }

    /// Removes the empty directory `name` from `parent`.
    pub fn rmdir(&mut self, parent: Ino, name: &OsStr) -> Result<(), Error> {
        self.step(Op::Rmdir, parent, Some(name))?;
        let ino = self.lookup(parent, name)?;
        if !self.entries(ino)?.is_empty() {
            return Err(Error::NotEmpty);
        }
        self.unlink_entry(parent, name);
        Ok(())
    }

    /// Renames `parent/name` to `new_parent/new_name`, replacing a file (or
    /// an empty directory) there.
    pub fn rename(
        &mut self,
        parent: Ino,
        name: &OsStr,
        new_parent: Ino,
        new_name: &OsStr,
    ) -> Result<(), Error> {
        self.step(Op::Rename, parent, Some(new_name))?;
        let ino = self.lookup(parent, name)?;
        let kind = self.node(ino)?.kind();
        if let Ok(target) = self.lookup(new_parent, new_name) {
            if target == ino {
                return Ok(());
            }
            match (kind, self.node(target)?.kind()) {
                (Kind::File, Kind::Dir) => return Err(Error::IsDir),
                (Kind::Dir, Kind::File) => return Err(Error::NotDir),
                (Kind::Dir, Kind::Dir) if !self.entries(target)?.is_empty() => {
                    return Err(Error::NotEmpty);
                }
                _ => {}
            }
        }
        self.entries(new_parent)?;
        if parent == new_parent {
            if let Some(Body::Dir { now, pending, .. }) = self.body_mut(parent) {
                now.remove(name);
                now.insert(new_name.to_os_string(), ino);
                pending.push(DirChange::Move {
                    from: name.to_os_string(),
                    to: new_name.to_os_string(),
                    ino,
                });
            }
        } else {
            self.link(new_parent, new_name, ino)?;
            self.unlink_entry(parent, name);
        }
        if let Some(node) = self.nodes.get_mut(&ino) {
            node.name = new_name.to_os_string();
        }
        Ok(())
    }

    /// `fsync` of a file or a directory: its pending changes become durable.
    pub fn sync(&mut self, ino: Ino) -> Result<(), Error> {
        let op = match self.node(ino)?.kind() {
            Kind::File => Op::SyncFile,
            Kind::Dir => Op::SyncDir,
        };
        self.step(op, ino, None)?;
        if let Some(node) = self.nodes.get_mut(&ino) {
            node.sync();
        }
        Ok(())
    }
}

impl Error {
    /// A short description, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Error::NotFound => "no such file",
            Error::Exists => "exists",
            Error::NotDir => "not a directory",
            Error::IsDir => "is a directory",
            Error::NotEmpty => "directory not empty",
            Error::Invalid => "invalid argument",
            Error::PoweredOff => "the power is off",
        }
    }
}

#[cfg(test)]
#[path = "disk_tests.rs"]
mod tests;
