// The goal, trash time and eattr commands share one shape: get, set and
// copy an inode attribute, optionally over a whole tree (attr.cc).
#pragma once

#include <cstdint>

namespace antler::tools {

// what: msg::ToolAttr. recursive: the command is an mfsr* form (always -r).
int get_attr_main(uint8_t what, bool recursive, int argc, char** argv);
int set_attr_main(uint8_t what, bool recursive, int argc, char** argv);
// mfsseteattr / mfsdeleattr: add or remove the -f attributes.
int change_eattr_main(bool add, int argc, char** argv);
int copy_attr_main(uint8_t what, int argc, char** argv);

}  // namespace antler::tools
