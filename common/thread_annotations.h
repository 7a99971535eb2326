// Clang thread-safety annotations (https://clang.llvm.org/docs/ThreadSafetyAnalysis.html).
// With clang and -Wthread-safety (the `tsa` CMake preset) the compiler checks
// that a GUARDED_BY field is only touched with its mutex held and that a
// REQUIRES function is only called with it; elsewhere (GCC) they expand to
// nothing. Annotate with the mutex type of common/mutex.h: libstdc++'s
// std::mutex carries no annotations, so the analysis cannot see it.
#pragma once

#if defined(__clang__)
#define ANTLER_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define ANTLER_THREAD_ANNOTATION(x)
#endif

// A class that is a lock (antler::Mutex).
#define CAPABILITY(x) ANTLER_THREAD_ANNOTATION(capability(x))
// An RAII class that holds a lock for its lifetime (antler::MutexLock).
#define SCOPED_CAPABILITY ANTLER_THREAD_ANNOTATION(scoped_lockable)

// The field may be read or written only with mutex x held.
#define GUARDED_BY(x) ANTLER_THREAD_ANNOTATION(guarded_by(x))
// What the pointer field points to may be touched only with x held.
#define PT_GUARDED_BY(x) ANTLER_THREAD_ANNOTATION(pt_guarded_by(x))

// Lock order: this mutex is taken after / before the named ones (checked
// only with -Wthread-safety-beta; state the order in a comment too).
#define ACQUIRED_AFTER(...) ANTLER_THREAD_ANNOTATION(acquired_after(__VA_ARGS__))
#define ACQUIRED_BEFORE(...) ANTLER_THREAD_ANNOTATION(acquired_before(__VA_ARGS__))

// The caller must hold the mutexes (REQUIRES: held on entry and exit).
#define REQUIRES(...) ANTLER_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
// The caller must not hold them (the function takes them itself).
#define EXCLUDES(...) ANTLER_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))

// The function takes / drops the mutexes (this object's if none named).
#define ACQUIRE(...) ANTLER_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define RELEASE(...) ANTLER_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
// The function takes the mutex iff it returns the first argument.
#define TRY_ACQUIRE(...) ANTLER_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))
// Tells the analysis the mutex is held (checked at run time, if at all, by the callee).
#define ASSERT_CAPABILITY(x) ANTLER_THREAD_ANNOTATION(assert_capability(x))
// The function returns a reference to the named mutex.
#define RETURN_CAPABILITY(x) ANTLER_THREAD_ANNOTATION(lock_returned(x))

// Turns the analysis off for one function; say why next to it.
#define NO_THREAD_SAFETY_ANALYSIS ANTLER_THREAD_ANNOTATION(no_thread_safety_analysis)
