// mfsgetgoal, mfssetgoal, mfscopygoal and the recursive mfsrgetgoal, mfsrsetgoal.
#include "common/msg/base.h"
#include "common/msg/tools.h"
#include "tools/attr.h"
#include "tools/commands.h"

namespace antler::tools {

int getgoal_main(int argc, char** argv) { return get_attr_main(msg::kAttrGoal, false, argc, argv); }
int rgetgoal_main(int argc, char** argv) { return get_attr_main(msg::kAttrGoal, true, argc, argv); }
int setgoal_main(int argc, char** argv) { return set_attr_main(msg::kAttrGoal, false, argc, argv); }
int rsetgoal_main(int argc, char** argv) { return set_attr_main(msg::kAttrGoal, true, argc, argv); }
int copygoal_main(int argc, char** argv) { return copy_attr_main(msg::kAttrGoal, argc, argv); }

}  // namespace antler::tools
