/*
 * rig/pam_vouch_exec.c — owns: the test rig's PAM auth module. It hands the
 * WHOLE password (an RDS IAM token, 750–4,600+ bytes) to a verifier program on
 * its stdin; pam_exec.so's expose_authtok cuts it at 511 bytes.
 *
 *   auth required /abs/pam_vouch_exec.so /abs/program [args...]
 *
 * The program runs with stdin = the token (no trailing newline), stdout and
 * stderr = the host's stderr (the server log), no other open fds, and an
 * environment of only PAM_USER, PAM_RHOST (when set), PAM_SERVICE and
 * PATH=/usr/bin:/bin. Exit status 0 -> PAM_SUCCESS, anything else (or a
 * signal, or no answer within 30 s) -> PAM_AUTH_ERR. The token is never logged.
 *
 * Build: gcc -shared -fPIC -o pam_vouch_exec.so pam_vouch_exec.c -lpam
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define PAM_SM_AUTH
#define PAM_SM_ACCOUNT
#include <security/pam_ext.h>
#include <security/pam_modules.h>

#define CHILD_TIMEOUT_MS 30000

static char *env_entry(const char *name, const char *value)
{
    size_t n = strlen(name) + 1 + strlen(value) + 1;
    char *s = malloc(n);
    if (s != NULL)
        snprintf(s, n, "%s=%s", name, value);
    return s;
}

/* Move fd to a number >= 3 (close-on-exec), so dup2 onto 0..2 cannot clash. */
static int high_fd(int fd)
{
    return fcntl(fd, F_DUPFD_CLOEXEC, 3);
}

/* Runs in the forked child: only async-signal-safe calls from here on. */
static void child_exec(int rfd, char *const argv[], char *const envp[])
{
    sigset_t none;
    int in, out, maxfd, fd;

    for (int s = 1; s < NSIG; s++)
        signal(s, SIG_DFL); /* handlers/ignores of the host must not leak */
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);

    in = high_fd(rfd);
    if (in < 0)
        _exit(127);
    /* stdout goes to the host's stderr (the server log) if it is open, never to
     * the host's stdout: a host may talk to its parent over stdin/stdout. */
    out = (fcntl(2, F_GETFD) >= 0) ? high_fd(2) : -1;
    if (out < 0) {
        int dn = open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (dn < 0)
            _exit(127);
        out = high_fd(dn);
        if (out < 0)
            _exit(127);
    }
    if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
        _exit(127);
    /* The host's other fds (client socket, files) stay with the host. */
    maxfd = (int)sysconf(_SC_OPEN_MAX);
    if (maxfd < 0 || maxfd > 65536)
        maxfd = 65536;
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
    if (close_range(3, ~0U, 0) == 0)
        maxfd = 0;
#endif
    for (fd = 3; fd < maxfd; fd++)
        close(fd);
    execve(argv[0], argv, envp);
    _exit(127);
}

/* Write all of buf; EINTR and short writes handled. Returns 0 or an errno. */
static int write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Reap exactly our child. Polls so a hung verifier is killed after a timeout. */
static int reap(pid_t pid, int *status)
{
    long deadline = now_ms() + CHILD_TIMEOUT_MS;
    long nap_us = 200;
    for (;;) {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid)
            return 0;
        if (r < 0 && errno != EINTR)
            return -1;
        if (r == 0) {
            if (now_ms() > deadline) {
                kill(pid, SIGKILL);
                while ((r = waitpid(pid, status, 0)) < 0 && errno == EINTR)
                    ;
                return r == pid ? 1 : -1;
            }
            struct timespec ts = { 0, nap_us * 1000L };
            nanosleep(&ts, NULL); /* EINTR: just loop */
            if (nap_us < 20000)
                nap_us *= 2;
        }
    }
}

PAM_EXTERN int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
    const char *tok = NULL;
    const void *item;
    const char *user = NULL, *rhost = NULL, *service = NULL;
    char **cargv = NULL;
    char *envp[5] = { NULL, NULL, NULL, NULL, NULL };
    int ne = 0, pfd[2] = { -1, -1 }, rc = PAM_AUTH_ERR, status = 0, werr, have_pipe_pending;
    int chld_changed = 0;
    sigset_t block, oldmask, pending;
    struct sigaction dfl, oldchld;
    pid_t pid;
    (void)flags;

    if (argc < 1 || argv[0][0] != '/') {
        pam_syslog(pamh, LOG_ERR, "usage: pam_vouch_exec.so /absolute/program [args...]");
        return PAM_SERVICE_ERR;
    }
    if (pam_get_item(pamh, PAM_USER, &item) != PAM_SUCCESS || item == NULL)
        return PAM_AUTH_ERR;
    user = item;
    if (pam_get_item(pamh, PAM_RHOST, &item) == PAM_SUCCESS)
        rhost = item;
    if (pam_get_item(pamh, PAM_SERVICE, &item) == PAM_SUCCESS)
        service = item;

    /* Calls the application's conversation: PostgreSQL asks the client. */
    if (pam_get_authtok(pamh, PAM_AUTHTOK, &tok, NULL) != PAM_SUCCESS || tok == NULL)
        return PAM_AUTH_ERR;

    /* Everything the child needs is built before fork (no malloc after it). */
    cargv = calloc((size_t)argc + 1, sizeof(char *));
    if (cargv == NULL)
        return PAM_BUF_ERR;
    for (int i = 0; i < argc; i++)
        cargv[i] = (char *)argv[i];
    if ((envp[ne++] = env_entry("PAM_USER", user)) == NULL)
        goto oom;
    if (rhost != NULL && (envp[ne++] = env_entry("PAM_RHOST", rhost)) == NULL)
        goto oom;
    if ((envp[ne++] = env_entry("PAM_SERVICE", service ? service : "")) == NULL)
        goto oom;
    if ((envp[ne++] = strdup("PATH=/usr/bin:/bin")) == NULL)
        goto oom;

    if (pipe2(pfd, O_CLOEXEC) != 0) {
        pam_syslog(pamh, LOG_ERR, "pipe: %m");
        goto out;
    }

    /* SIGCHLD is blocked while our child lives, so a host handler that reaps
     * with waitpid(-1) cannot run and take its status; a SIG_IGN/SA_NOCLDWAIT
     * host (auto-reaping) gets SIG_DFL meanwhile. A host handler stays
     * installed and sees one SIGCHLD after we return (harmless).
     * SIGPIPE blocked while writing: a verifier that exits early gives EPIPE. */
    sigemptyset(&block);
    sigaddset(&block, SIGCHLD);
    sigaddset(&block, SIGPIPE);
    sigprocmask(SIG_BLOCK, &block, &oldmask);
    sigpending(&pending);
    have_pipe_pending = sigismember(&pending, SIGPIPE);
    sigaction(SIGCHLD, NULL, &oldchld);
    if (oldchld.sa_handler == SIG_IGN || (oldchld.sa_flags & SA_NOCLDWAIT)) {
        memset(&dfl, 0, sizeof dfl);
        dfl.sa_handler = SIG_DFL;
        sigemptyset(&dfl.sa_mask);
        sigaction(SIGCHLD, &dfl, NULL);
        chld_changed = 1;
    }

    pid = fork();
    if (pid == 0)
        child_exec(pfd[0], cargv, envp); /* does not return */
    close(pfd[0]);
    pfd[0] = -1;
    if (pid < 0) {
        pam_syslog(pamh, LOG_ERR, "fork: %m");
        close(pfd[1]);
        pfd[1] = -1;
    } else {
        werr = write_all(pfd[1], tok, strlen(tok));
        close(pfd[1]);
        pfd[1] = -1;
        if (werr == EPIPE && !have_pipe_pending) {
            /* Swallow the SIGPIPE our write raised, leave any earlier one. */
            struct timespec zero = { 0, 0 };
            sigset_t pipeset;
            sigemptyset(&pipeset);
            sigaddset(&pipeset, SIGPIPE);
            while (sigtimedwait(&pipeset, NULL, &zero) < 0 && errno == EINTR)
                ;
        }
        int r = reap(pid, &status);
        if (r == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0 && werr == 0)
            rc = PAM_SUCCESS;
        else if (r == 1)
            pam_syslog(pamh, LOG_ERR, "verifier timed out and was killed");
        else if (r < 0)
            pam_syslog(pamh, LOG_ERR, "waitpid: %m");
    }

    if (chld_changed)
        sigaction(SIGCHLD, &oldchld, NULL);
    sigprocmask(SIG_SETMASK, &oldmask, NULL);
    goto out;

oom:
    rc = PAM_BUF_ERR;
out:
    for (int i = 0; i < ne; i++)
        free(envp[i]);
    free(cargv);
    return rc;
}

PAM_EXTERN int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
    (void)pamh; (void)flags; (void)argc; (void)argv;
    return PAM_SUCCESS;
}

PAM_EXTERN int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
    (void)pamh; (void)flags; (void)argc; (void)argv;
    return PAM_SUCCESS;
}
