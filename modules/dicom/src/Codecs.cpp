#include "Codecs.h"

#include <string>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcxfer.h>

#include "fw/core/Error.h"

namespace fw::dicom::detail {

void registerDecoders() {}

void decodeCompressedFrame(DcmDataset& dataset, DcmElement&, const SliceHeader&, std::uint8_t*, std::size_t) {
  const DcmXfer xfer(dataset.getOriginalXfer());
  throw core::Error(std::string("compressed transfer syntax '") + xfer.getXferName() + "' is not supported yet");
}

}  // namespace fw::dicom::detail
