#pragma once
// A preprocessed image as plain data, so the model layer needs no OpenCV and the image
// layer needs no torch.
#include <vector>

namespace attnviz {

struct ImageTensor {
  int channels = 3;
  int height = 0;
  int width = 0;
  std::vector<float> data;  // CHW, row-major, already scaled and normalised
};

}  // namespace attnviz
