/*
 * syscall-probe: call every syscall number of this architecture once, with all six arguments
 * zero, and print how each call ended. Runs as a container's only process; the outcomes under two
 * seccomp profiles are compared line by line (tests/integration/test_syscall_probe.py).
 *
 *   syscall-probe [LAST]        numbers 0..LAST (default 511), one line each: "<number> <outcome>"
 *
 * Outcomes:
 *   ok          the call returned a value >= 0 (the kernel ran it)
 *   E<n>        the call failed with errno n (from the kernel, or the profile's SCMP_ACT_ERRNO)
 *   exit<n>     the call ended the process with status n (exit, exit_group)
 *   sig<n>      the process was killed by signal n (rt_sigreturn with no frame, uretprobe, ...)
 *   blocked     the call had not returned after TIMEOUT_MS (pause, select, ppoll, pselect6 with
 *               no timeout); the probe kills it
 *   skip        not called; the reason is printed on stderr and in the first line
 *
 * Each call runs in a forked child, so whatever it does (exit, change credentials, enter strict
 * seccomp mode, become traced, fork) touches only that child. The child writes its result to a
 * shared page before exiting. Not called, because no child can be made safe for them:
 *   vfork   the new process borrows the child's stack until it exits or execs: returning from the
 *           syscall wrapper in both corrupts the child's stack.
 * fork and clone (flags 0) return 0 in a new process, which leaves at once without a report.
 *
 * Only ever run it as a container's first process (PID 1): called as root on a machine, calls such
 * as sethostname and setdomainname with zero arguments clear the machine's names. It refuses to run
 * as any other PID.
 *
 * Built static on the controller (lab/syscall-probe.sh) so the probe image holds one file and the
 * lab images need no compiler.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_LAST 511
#define TIMEOUT_MS 200

struct slot {
    volatile int done;
    long ret;
    int err;
};

struct skip {
    long nr;
    const char *why;
};

static const struct skip SKIPPED[] = {
#ifdef SYS_vfork
    {SYS_vfork, "vfork: the new process would run on the probe child's stack"},
#endif
    {-1, NULL},
};

static const char *skip_reason(long nr)
{
    for (const struct skip *s = SKIPPED; s->why; s++)
        if (s->nr == nr)
            return s->why;
    return NULL;
}

static int forks_a_process(long nr)
{
#ifdef SYS_fork
    if (nr == SYS_fork)
        return 1;
#endif
    return nr == SYS_clone;
}

static long elapsed_ms(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - start->tv_sec) * 1000 + (now.tv_nsec - start->tv_nsec) / 1000000;
}

static void probe(long nr, struct slot *slot, char *out, size_t size)
{
    const char *why = skip_reason(nr);
    if (why) {
        snprintf(out, size, "skip");
        return;
    }
    memset(slot, 0, sizeof(*slot));
    pid_t pid = fork();
    if (pid < 0) {
        perror("syscall-probe: fork");
        exit(2);
    }
    if (pid == 0) {
        errno = 0;
        long ret = syscall(nr, 0L, 0L, 0L, 0L, 0L, 0L);
        int err = errno;
        if (forks_a_process(nr) && ret == 0)
            syscall(SYS_exit, 0); /* the process the call made: no report */
        slot->ret = ret;
        slot->err = err;
        slot->done = 1;
        /* exit, not exit_group: strict seccomp mode (seccomp with zero arguments) allows only it */
        syscall(SYS_exit, 0);
        syscall(SYS_exit_group, 0);
        for (;;)
            pause();
    }
    struct timespec start, nap = {0, 100000};
    int status = 0, blocked = 0;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        pid_t got = waitpid(pid, &status, WNOHANG | __WALL);
        if (got == pid)
            break;
        if (got < 0 && errno != EINTR) {
            perror("syscall-probe: waitpid");
            exit(2);
        }
        if (elapsed_ms(&start) > TIMEOUT_MS) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, __WALL);
            blocked = 1;
            break;
        }
        nanosleep(&nap, NULL);
    }
    if (slot->done)
        snprintf(out, size, slot->ret >= 0 ? "ok" : "E%d", slot->err);
    else if (blocked)
        snprintf(out, size, "blocked");
    else if (WIFEXITED(status))
        snprintf(out, size, "exit%d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(out, size, "sig%d", WTERMSIG(status));
    else
        snprintf(out, size, "status%d", status);
}

int main(int argc, char **argv)
{
    long last = argc > 1 ? strtol(argv[1], NULL, 10) : DEFAULT_LAST;
    if (getpid() != 1) {
        fprintf(stderr, "syscall-probe: refusing to run as PID %d: run it only as a container's first "
                        "process (docker run IMAGE), never on a host\n", (int)getpid());
        return 2;
    }
    struct slot *slot = mmap(NULL, sizeof(struct slot), PROT_READ | PROT_WRITE,
                             MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (slot == MAP_FAILED) {
        perror("syscall-probe: mmap");
        return 2;
    }
    /* Results are collected first and printed at the end: a child never shares stdout's buffer. */
    static char outcome[4096][16];
    if (last < 0 || last >= 4096) {
        fprintf(stderr, "syscall-probe: LAST must be 0..4095\n");
        return 2;
    }
    for (long nr = 0; nr <= last; nr++)
        probe(nr, slot, outcome[nr], sizeof(outcome[nr]));
    printf("# syscall-probe last=%ld timeout_ms=%d skipped:", last, TIMEOUT_MS);
    for (const struct skip *s = SKIPPED; s->why; s++)
        printf(" %ld (%s)", s->nr, s->why);
    printf("\n");
    for (long nr = 0; nr <= last; nr++)
        printf("%ld %s\n", nr, outcome[nr]);
    return 0;
}
