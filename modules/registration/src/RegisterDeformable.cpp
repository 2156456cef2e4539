#include "Deformable.h"

#include "fw/core/Error.h"

namespace fw::registration::detail {

Result registerDeformable(const core::Volume&, const core::Volume&, const Settings&,
                          const Transform&, core::ProgressSink&, const IterationCallback&) {
  throw core::Error("deformable registration (B-spline, SyN) is not built yet");
}

}  // namespace fw::registration::detail
