// The commands of mfstools, each `int NAME_main(int argc, char** argv)`
// returning the exit status; main.cc maps the mfs* names to them.
#pragma once

namespace antler::tools {

// goal.cc
int getgoal_main(int argc, char** argv);
int rgetgoal_main(int argc, char** argv);
int setgoal_main(int argc, char** argv);
int rsetgoal_main(int argc, char** argv);
int copygoal_main(int argc, char** argv);
// trashtime.cc
int gettrashtime_main(int argc, char** argv);
int rgettrashtime_main(int argc, char** argv);
int settrashtime_main(int argc, char** argv);
int rsettrashtime_main(int argc, char** argv);
int copytrashtime_main(int argc, char** argv);
// eattr.cc
int geteattr_main(int argc, char** argv);
int seteattr_main(int argc, char** argv);
int deleattr_main(int argc, char** argv);
int copyeattr_main(int argc, char** argv);
// makesnapshot.cc, rmsnapshot.cc, appendchunks.cc
int makesnapshot_main(int argc, char** argv);
int rmsnapshot_main(int argc, char** argv);
int appendchunks_main(int argc, char** argv);
// quota.cc
int getquota_main(int argc, char** argv);
int setquota_main(int argc, char** argv);
int delquota_main(int argc, char** argv);
int copyquota_main(int argc, char** argv);
// fileinfo.cc, checkfile.cc, filepaths.cc, dirinfo.cc, filerepair.cc
int fileinfo_main(int argc, char** argv);
int checkfile_main(int argc, char** argv);
int filepaths_main(int argc, char** argv);
int dirinfo_main(int argc, char** argv);
int filerepair_main(int argc, char** argv);
// cli/main.cc
int cli_main(int argc, char** argv);

}  // namespace antler::tools
