//! A size-limited log disk for a broker of the local cluster: a `tmpfs` of
//! a given size mounted at the broker's data directory (its `log.dirs` and
//! its metadata log), so that `broker_disk_full` can fill it for real. The
//! kernel refuses writes past the size with `ENOSPC`, as a full volume
//! does. Filling writes a filler file until that refusal; freeing deletes
//! it. The mount is detached on drop (lazily: it goes once no process
//! holds a file in it).
//!
//! Mounting needs root (`CAP_SYS_ADMIN`); [`probe`] says whether this
//! process may, and why not.

use std::ffi::CStr;
use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use rustix::fs::{FallocateFlags, fallocate, fstatvfs};
use rustix::mount::{MountFlags, UnmountFlags, mount, unmount};

/// The filler's name inside the log directory. Kafka only loads
/// directories from a log directory, so a plain file there is not a log.
const FILLER: &str = "alertsim-disk-filler";
/// The filler is written in pieces of this many bytes.
const PIECE: usize = 1 << 20;

/// A tmpfs mounted at a broker's data directory.
#[derive(Debug)]
pub struct LogDisk {
    path: PathBuf,
    size_mb: u32,
}

impl LogDisk {
    /// Mounts a tmpfs of `size_mb` MiB at `path` (created if missing).
    pub fn mount(path: &Path, size_mb: u32) -> std::io::Result<LogDisk> {
        std::fs::create_dir_all(path)?;
        mount_tmpfs(path, size_mb)?;
        Ok(LogDisk {
            path: path.to_path_buf(),
            size_mb,
        })
    }

    /// The mount point.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The size, MiB.
    pub fn size_mb(&self) -> u32 {
        self.size_mb
    }

    /// Fills the disk until the kernel refuses (`ENOSPC`): the free space
    /// is allocated to the filler at once (`fallocate`, fast on tmpfs),
    /// then what is left is written. Returns the bytes the filler holds.
    /// Any other error is returned.
    pub fn fill(&self) -> std::io::Result<u64> {
        let mut file = File::options()
            .create(true)
            .append(true)
            .open(self.path.join(FILLER))?;
        let stats = fstatvfs(&file)?;
        let free = stats.f_bavail.saturating_mul(stats.f_frsize);
        let start = file.metadata()?.len();
        if free > 0 {
            match fallocate(&file, FallocateFlags::empty(), start, free) {
                Ok(()) | Err(rustix::io::Errno::NOSPC) => {}
                Err(e) => return Err(e.into()),
            }
        }
        let piece = vec![0xa5u8; PIECE];
        // The end of what was allocated: appends go after it.
        let mut written = file.metadata()?.len();
        loop {
            match file.write(&piece) {
                Ok(0) => return Ok(written),
                Ok(n) => written += n as u64,
                Err(e) if e.raw_os_error() == Some(rustix::io::Errno::NOSPC.raw_os_error()) => {
                    return Ok(written);
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Deletes the filler (the disk has room again).
    pub fn free(&self) -> std::io::Result<()> {
        match std::fs::remove_file(self.path.join(FILLER)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}

impl Drop for LogDisk {
    fn drop(&mut self) {
        let _ = unmount(&self.path, UnmountFlags::DETACH);
    }
}

fn mount_tmpfs(path: &Path, size_mb: u32) -> std::io::Result<()> {
    let options = format!("size={size_mb}m,mode=0755\0");
    let options = CStr::from_bytes_with_nul(options.as_bytes())
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    mount(
        "alertsim-log-disk",
        path,
        "tmpfs",
        MountFlags::NOSUID | MountFlags::NODEV,
        options,
    )
    .map_err(std::io::Error::from)
}

/// Whether this process may mount a size-limited filesystem: mounts and
/// detaches a 1 MiB tmpfs in a temporary directory. The error says why not
/// (not root, or no `CAP_SYS_ADMIN` in this container).
pub fn probe() -> Result<(), String> {
    let dir = tempfile::Builder::new()
        .prefix("alertsim-disk-probe")
        .tempdir()
        .map_err(|e| format!("a temporary directory: {e}"))?;
    match LogDisk::mount(dir.path(), 1) {
        Ok(disk) => {
            drop(disk);
            Ok(())
        }
        Err(e) => Err(format!(
            "mounting a size-limited tmpfs as a broker's log directory needs root \
             (CAP_SYS_ADMIN), and this process may not: mount(2) said {e}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_disk_refuses_writes_until_freed() -> Result<(), String> {
        if let Err(why) = probe() {
            eprintln!("skipped: {why}");
            return Ok(());
        }
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let disk = LogDisk::mount(&dir.path().join("data"), 4).map_err(|e| e.to_string())?;
        let filled = disk.fill().map_err(|e| e.to_string())?;
        // All of it but what the filesystem keeps for itself.
        assert!(filled > 3 << 20 && filled <= 4 << 20, "{filled}");
        let other = std::fs::write(disk.path().join("segment"), [1u8; 8192]);
        assert_eq!(
            other.map_err(|e| e.raw_os_error()),
            Err(Some(rustix::io::Errno::NOSPC.raw_os_error()))
        );
        disk.free().map_err(|e| e.to_string())?;
        std::fs::write(disk.path().join("segment"), [1u8; 8192]).map_err(|e| e.to_string())?;
        let mounted = disk.path().to_path_buf();
        drop(disk);
        // Detached: the directory is an ordinary empty one again.
        assert_eq!(
            std::fs::read_dir(&mounted)
                .map_err(|e| e.to_string())?
                .count(),
            0
        );
        Ok(())
    }
}
