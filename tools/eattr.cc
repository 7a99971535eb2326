// mfsgeteattr, mfsseteattr, mfsdeleattr, mfscopyeattr.
#include "common/msg/base.h"
#include "common/msg/tools.h"
#include "tools/attr.h"
#include "tools/commands.h"

namespace antler::tools {

int geteattr_main(int argc, char** argv) { return get_attr_main(msg::kAttrEattr, false, argc, argv); }
int seteattr_main(int argc, char** argv) { return change_eattr_main(true, argc, argv); }
int deleattr_main(int argc, char** argv) { return change_eattr_main(false, argc, argv); }
int copyeattr_main(int argc, char** argv) { return copy_attr_main(msg::kAttrEattr, argc, argv); }

}  // namespace antler::tools
