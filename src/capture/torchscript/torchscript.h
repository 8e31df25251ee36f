#pragma once
// The TorchScript capture backend, as the registry sees it (no torch types here).
#include <string>
#include <vector>

#include "attnviz/capture_backend.h"

namespace attnviz::torchscript {

// A .pt/.pth/.ptl/.torchscript name, or a zip archive (TorchScript archives are zips).
bool recognizes(const std::string& path);

BackendLoad load(const std::string& path, const std::string& device, const std::vector<std::string>& extra_files);

void set_threads(int threads);

}  // namespace attnviz::torchscript
