#pragma once
// Files embedded in a TorchScript model (torch.jit.save(..., _extra_files={...})), read
// without libtorch: the archive is a zip, and torch.jit.save stores the extra files
// uncompressed under "<archive name>/extra/<name>". Zip64 archives (models over 4 GB)
// are read too; only the central directory and the one entry are read from disk.
#include <optional>
#include <string>

namespace attnviz {

// The content of extra file `name`, or none when the archive has no such entry. Throws
// a model Error naming `path` when it is not a readable zip, the entry is compressed,
// or its bytes do not match the recorded size and CRC.
std::optional<std::string> read_archive_extra_file(const std::string& path, const std::string& name);

}  // namespace attnviz
