// mfsgettrashtime, mfssettrashtime, mfscopytrashtime and the recursive mfsrgettrashtime, mfsrsettrashtime.
#include "common/msg/base.h"
#include "common/msg/tools.h"
#include "tools/attr.h"
#include "tools/commands.h"

namespace antler::tools {

int gettrashtime_main(int argc, char** argv) { return get_attr_main(msg::kAttrTrashtime, false, argc, argv); }
int rgettrashtime_main(int argc, char** argv) { return get_attr_main(msg::kAttrTrashtime, true, argc, argv); }
int settrashtime_main(int argc, char** argv) { return set_attr_main(msg::kAttrTrashtime, false, argc, argv); }
int rsettrashtime_main(int argc, char** argv) { return set_attr_main(msg::kAttrTrashtime, true, argc, argv); }
int copytrashtime_main(int argc, char** argv) { return copy_attr_main(msg::kAttrTrashtime, argc, argv); }

}  // namespace antler::tools
