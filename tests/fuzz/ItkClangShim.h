// Forced-included (-include) into the clang fuzz build only. Debian's ITK 5.2 ships an
// itk_compiler_detection.h generated for GCC alone ("#error Unsupported compiler" under
// clang), and every dicom source reaches ITK through fw/core/Volume.h. This reads that header
// once as if the compiler were GCC 12 (its feature table is the same for clang 14), then
// restores the compiler macros; its include guard keeps ITK from reading it again.
#pragma once
#include <array>
#include <cmath>
#include <cstddef>
#include <string>
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wbuiltin-macro-redefined"
#pragma push_macro("__clang__")
#pragma push_macro("__GNUC__")
#pragma push_macro("__GNUC_MINOR__")
#undef __clang__
#undef __GNUC__
#undef __GNUC_MINOR__
#define __GNUC__ 12
#define __GNUC_MINOR__ 2
#include <itk_compiler_detection.h>
#pragma pop_macro("__GNUC_MINOR__")
#pragma pop_macro("__GNUC__")
#pragma pop_macro("__clang__")
#pragma clang diagnostic pop
