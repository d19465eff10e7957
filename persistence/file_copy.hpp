// Copies of a base's database files at the speed of the disk: byte for
// byte, while SQLite keeps the file still, instead of page by page through
// the online backup (which re-creates every page in a new database).
//
// Why the file stays still: a WAL database's file only changes when a
// checkpoint writes WAL frames back into it, and a checkpoint cannot do
// that while a reader holds read mark 0 (a reader that reads the file
// alone, because the WAL was empty when it began). So checkpoint the WAL
// to empty, begin a read transaction, and the file holds that instant for
// as long as the transaction lasts, while writers go on appending to the
// WAL. A database in rollback-journal mode is held still by the reader's
// SHARED lock.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>

namespace downhill::persistence {

class database;

/// Reports progress in percent; returns false to stop (cancellation).
using progress_callback = std::function<bool(int percent)>;

/// Checkpoints all of `db`'s WAL into its file and empties the WAL. True
/// when that finished (or `db` is not in WAL mode): a read transaction that
/// `db` begins next, before anyone writes, holds the file still. False when
/// another connection's reader kept part of the WAL in use.
bool checkpoint_to_empty_wal(database& db);

/// Copies the main database file of `source` into a new file `destination`,
/// byte for byte, in steps of about 1% (each one reported), at most
/// `bytes_per_second` (0: no limit): with copy_file_range (in the kernel; a
/// reflink where the file system can) from SQLite's own descriptor of the
/// file, else through SQLite's reads. Never through a second descriptor:
/// closing one would drop every POSIX lock this process holds on the file.
/// The caller keeps the file still meanwhile (see above). Returns false
/// when `on_progress` stopped it; the partial destination is the caller's
/// to remove. A full disk throws a storage_error that is_disk_full().
bool copy_database_file(database& source,
                        const std::filesystem::path& destination,
                        const progress_callback& on_progress,
                        int64_t bytes_per_second = 0);

} // namespace downhill::persistence
