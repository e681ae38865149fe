#!/usr/bin/env bash
# check_deps.sh: every external command that the test and bench scripts call must come from a
# Debian package that `make deps` installs: one in the Makefile's DEBS, one they pull in
# (Depends/Pre-Depends of what is installed), or an Essential/Priority-required one. A command
# that is not installed, or not from a package (/usr/local, ~/.pyenv), fails too: a fresh
# machine would not have it.
#   bash tests/check_deps.sh [-v] [--makefile FILE] [--self-test-only]
# -v lists every call; --makefile reads DEBS from another file (to try a change first).
#
# How: shfmt (a real bash parser) turns each tests/**/*.sh and bench/**/*.sh into a syntax tree;
# a command is the first word of a simple command (comments, heredoc bodies and quoted
# arguments are words, not commands), looked through the wrappers that run their arguments
# (ip netns exec NS, timeout, env, setsid, nsenter, unshare, chroot, exec, xargs, and every
# function of the scripts that runs "$@", such as in_cli or t_check). Strings that are scripts
# are parsed too: bash/sh -c, eval, trap, `isp exec` (run inside the UML), heredocs fed to a
# shell or written to a *.sh file, and Python (tests/**/*.py, python3 -c/-, whose subprocess
# and os.system calls count). Builtins, the scripts' functions and the project's own programs
# are skipped. Each command is looked up in the standard PATH and mapped with dpkg -S (its path,
# its realpath, and their /bin <-> /usr/bin variants for the merged /usr).
# A self-test on a fixture with known commands runs first.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
command -v shfmt >/dev/null || { echo "deps: FAIL: shfmt not installed (package shfmt, in DEBS: make deps)"; exit 1; }
exec python3 - "$top" "$@" <<'PY'
import ast, json, os, re, subprocess, sys
from concurrent.futures import ThreadPoolExecutor

TOP = sys.argv[1]
ARGS = sys.argv[2:]
VERBOSE = "-v" in ARGS
STD_PATH = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]
# shfmt's redirection operators (mvdan.cc/sh/v3 syntax.RedirOperator)
OP_OUT, OP_APPEND, OP_CLOBBER, OP_ALL_OUT = 54, 55, 60, 64
SHELLS = {"bash", "sh", "dash"}
PYTHONS = {"python3", "python"}
# Commands that make deps leaves out on purpose, where a script calls them: (command, script) ->
# why. Printed on every run; a call from any other script is checked as usual.
NOT_INSTALLED_ON_PURPOSE = {
    ("dhcp6c", "tests/interop/selftest.sh"):
        "the ISP self-test's reference client (selftest.sh ipv6 and wide, not part of make "
        "check); its package wide-dhcpv6-client starts a DHCPv6 client on the host's eth0",
}


def bash_builtins():
    out = subprocess.run(["bash", "-c", "compgen -b; compgen -k"], capture_output=True, text=True).stdout
    return set(out.split())


BUILTINS = bash_builtins()


# ---------------------------------------------------------------------------------------------
# Shell syntax trees (shfmt --to-json) and the words in them.
class Src:
    """One piece of shell source: a file, or a string found in one (then base_line > 1)."""

    def __init__(self, path, text, base_line=1, via=""):
        self.path, self.text, self.base_line, self.via = path, text, base_line, via
        self.raw = text.encode()

    def line(self, node):
        return self.base_line + node["Pos"]["Line"] - 1

    def slice(self, node):
        return self.raw[node["Pos"]["Offset"]:node["End"]["Offset"]].decode(errors="replace")


def shfmt_parse(text):
    r = subprocess.run(["shfmt", "-ln", "bash", "--to-json"], input=text, capture_output=True, text=True)
    if r.returncode != 0:
        return None, r.stderr.strip()
    return json.loads(r.stdout), None


def dq_unescape(s):
    return re.sub(r'\\([$`"\\\n])', lambda m: "" if m.group(1) == "\n" else m.group(1), s)


def part_text(p, src):
    t = p["Type"]
    if t == "Lit":
        return p.get("Value", "")
    if t == "SglQuoted":
        return p.get("Value", "")
    if t == "DblQuoted":
        return "".join(dq_unescape(q.get("Value", "")) if q["Type"] == "Lit" else src.slice(q) for q in p.get("Parts", []))
    return src.slice(p)


def word_text(w, src):
    """The word's value as far as the source tells: quotes removed, expansions left as written."""
    return "".join(part_text(p, src) for p in w.get("Parts", []))


def word_lit(w):
    """The word's value when it is literal (no expansion), else None."""
    out = []
    for p in w.get("Parts", []):
        t = p["Type"]
        if t in ("Lit", "SglQuoted"):
            out.append(p.get("Value", ""))
        elif t == "DblQuoted" and all(q["Type"] == "Lit" for q in p.get("Parts", [])):
            out.append("".join(dq_unescape(q.get("Value", "")) for q in p.get("Parts", [])))
        else:
            return None
    return "".join(out)


def word_param(w):
    """NAME when the word is just $NAME or "$NAME" (or "${NAME}"), else None."""
    parts = w.get("Parts", [])
    if len(parts) == 1 and parts[0]["Type"] == "DblQuoted":
        parts = parts[0].get("Parts", [])
    if len(parts) == 1 and parts[0]["Type"] == "ParamExp":
        pe = parts[0]
        if not any(k in pe for k in ("Slice", "Repl", "Exp", "Index", "Length", "Excl", "Names")):
            return pe["Param"].get("Value", "")
    return None


def word_all_args(w):
    """The first positional parameter a word "$@" / "${@:N}" stands for, else None."""
    parts = w.get("Parts", [])
    if len(parts) == 1 and parts[0]["Type"] == "DblQuoted":
        parts = parts[0].get("Parts", [])
    if len(parts) == 1 and parts[0]["Type"] == "ParamExp" and parts[0]["Param"].get("Value", "") in ("@", "*"):
        sl = parts[0].get("Slice")
        if not sl:
            return 1
        off = word_lit(sl.get("Offset", {})) if sl.get("Offset") else None
        return int(off) if off and off.isdigit() else None
    return None


class Tok:
    """One argument of a command: lit (None if it expands), or a positional marker pos=k."""

    def __init__(self, lit=None, text="", pos=None, node=None):
        self.lit, self.text, self.pos, self.node = lit, text, pos, node


def tokens_of(args, src, env, shifts=0):
    toks = []
    for w in args:
        k = word_all_args(w)
        if k is not None:
            toks += [Tok(text="$%d" % (shifts + k + j), pos=shifts + k + j, node=w) for j in range(9)]
            continue
        lit = word_lit(w)
        name = word_param(w)
        if lit is None and name is not None and name in env:
            lit = env[name]  # for-loop variable over literal words (one value here, see expand)
        toks.append(Tok(lit=lit, text=word_text(w, src), node=w))
    return toks


# ---------------------------------------------------------------------------------------------
# Wrappers: commands that run a command given in their arguments.
def skip_opts(toks, i, with_arg=()):
    while i < len(toks):
        t = toks[i].lit
        if t is None or t == "-" or not t.startswith("-"):
            return i
        if t == "--":
            return i + 1
        i += 2 if t in with_arg else 1
    return i


def wrapped(cmd, toks, i):
    """Index of the command that the wrapper toks[i] (= cmd) runs, None if it is no wrapper."""
    n = len(toks)
    nxt = lambda k: toks[k].lit if k < n else None
    if cmd == "ip" and nxt(i + 1) == "netns" and nxt(i + 2) == "exec":
        return i + 4
    if cmd == "timeout":
        j = skip_opts(toks, i + 1, ("-s", "-k", "--signal", "--kill-after"))
        return j + 1
    if cmd == "env":
        j = i + 1
        while j < n:
            t = toks[j].lit
            if t in ("-u", "-C", "-S", "--unset", "--chdir", "--split-string"):
                j += 2
            elif (t or "").startswith("-") or re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", toks[j].text):
                j += 1
            else:
                break
        return j
    if cmd in ("setsid", "nohup"):
        return skip_opts(toks, i + 1)
    if cmd == "nice":
        return skip_opts(toks, i + 1, ("-n", "--adjustment"))
    if cmd == "stdbuf":
        return skip_opts(toks, i + 1, ("-i", "-o", "-e"))
    if cmd == "exec":
        return skip_opts(toks, i + 1, ("-a",))
    if cmd == "xargs":
        return skip_opts(toks, i + 1, ("-I", "-n", "-P", "-d", "-a", "-E", "-L", "-s"))
    if cmd == "chroot":
        return skip_opts(toks, i + 1, ("--userspec", "--groups")) + 1
    if cmd == "nsenter":
        return skip_opts(toks, i + 1, ("-t", "-S", "-G", "--target", "--setuid", "--setgid"))
    if cmd == "unshare":
        return skip_opts(toks, i + 1, ("-S", "-G", "-R", "-w", "--propagation", "--setgroups",
                                      "--setuid", "--setgid", "--root", "--wd", "--map-user", "--map-group"))
    return None


EXEC_WRAPPERS = {"ip", "timeout", "env", "setsid", "nohup", "nice", "stdbuf", "exec", "xargs",
                 "chroot", "nsenter", "unshare"}


class Scan:
    def __init__(self, top):
        self.top = top
        self.uses = []        # (command or path, file, line, via)
        self.dynamic = []     # (text, file, line)
        self.errors = []
        self.funcs = {}       # name -> [(file, body node, src)]
        self.fwrap = {}       # name -> number of leading arguments before the command it runs
        self.own = own_programs(top)
        self.pending = []     # (Src) strings still to parse
        self.py_pending = []  # (path, code, base_line, via)

    # -- the command at toks[i]; exec_ctx: reached through an exec-style wrapper (so a builtin
    # name there is the external program, and a function cannot be meant)
    def command(self, toks, i, src, line, stmt, env, exec_ctx=False, via=""):
        """Records the command at toks[i] (and what the wrappers there run). exec_ctx: reached
        through an exec-style wrapper, so a builtin's name is the external program there."""
        while i < len(toks):
            t = toks[i]
            if t.pos is not None:
                return ("args", t.pos)  # "$@" in command position (function wrapper analysis)
            if t.lit is None:
                self.dynamic.append((t.text, src.path, line))
                return None
            cmd = t.lit
            if cmd == "" or re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", cmd):
                return None
            if "/" in cmd:
                return self.path_command(cmd, toks, i, src, line, stmt, via)
            if not exec_ctx:
                if cmd == "isp":  # lib.sh: isp SUBCOMMAND ARG... = isp.sh SUBCOMMAND RUNDIR ARG...
                    if i + 1 < len(toks) and toks[i + 1].lit == "exec":
                        return self.isp_exec(toks[i + 2:], src, line, stmt, via)
                    return None
                if cmd == "isp_exec":  # isp.sh itself: isp_exec RUNDIR ARG...
                    return self.isp_exec(toks[i + 2:], src, line, stmt, via)
                if cmd in self.funcs:
                    k = self.fwrap.get(cmd)
                    if k is None:
                        return None
                    i += 1 + k
                    via = (via + " " + cmd).strip()
                    continue
                if cmd == "command" and not (i + 1 < len(toks) and toks[i + 1].lit in ("-v", "-V")):
                    i = skip_opts(toks, i + 1)
                    continue
                if cmd in ("command", "type", "hash"):
                    self.references(toks[skip_opts(toks, i + 1):], src, line, via + " " + cmd)
                    return None
                if cmd == "exec":  # bash's exec runs a program, never a function or builtin
                    i = skip_opts(toks, i + 1, ("-a",))
                    exec_ctx = True
                    via = (via + " exec").strip()
                    continue
                if cmd in ("eval", "trap"):
                    self.builtin_strings(cmd, toks, i, src, line, via)
                    return None
                if cmd in BUILTINS:
                    return None
            if cmd in self.own:
                return None
            self.use(cmd, src, line, via)
            if cmd == "which":
                self.references(toks[skip_opts(toks, i + 1):], src, line, via + " which")
                return None
            j = wrapped(cmd, toks, i)
            if j is not None:
                via = (via + " " + cmd).strip()
                i = j
                exec_ctx = True
                continue
            if cmd in SHELLS:
                return self.shell_args(toks, i, src, line, stmt, via)
            if cmd in PYTHONS:
                return self.python_args(toks, i, src, line, stmt, via)
            return None
        return None

    def references(self, toks, src, line, via):
        """command -v NAME, which NAME: the test depends on NAME being there."""
        for tt in toks:
            if tt.lit and "/" not in tt.lit and tt.lit not in BUILTINS and tt.lit not in self.funcs:
                self.use(tt.lit, src, line, via.strip())

    def path_command(self, cmd, toks, i, src, line, stmt, via):
        base = os.path.basename(cmd)
        if base in self.own or not cmd.startswith("/") or cmd.startswith(self.top + "/"):
            return None
        if not cmd.startswith(("/usr/", "/bin/", "/sbin/", "/lib/", "/lib64/", "/opt/")):
            self.dynamic.append((cmd, src.path, line))  # made by the scripts (/run, /tmp, ...)
            return None
        self.use(cmd, src, line, via)
        if base in SHELLS:
            return self.shell_args(toks, i, src, line, stmt, via)
        if base in PYTHONS:
            return self.python_args(toks, i, src, line, stmt, via)
        return None

    def builtin_strings(self, cmd, toks, i, src, line, via):
        if cmd == "eval":
            self.queue(" ".join(t.text for t in toks[i + 1:]), src, line, (via + " eval").strip())
        elif i + 1 < len(toks) and toks[i + 1].text not in ("-", ""):
            self.queue(toks[i + 1].text, src, line, (via + " trap").strip())

    def shell_args(self, toks, i, src, line, stmt, via):
        j = i + 1
        while j < len(toks) and toks[j].lit and toks[j].lit[:1] in "-+" and toks[j].lit != "-c":
            j += 2 if toks[j].lit in ("-o", "+o", "-O", "+O") else 1
        if j < len(toks) and toks[j].lit == "-c":
            if j + 1 < len(toks):
                s = toks[j + 1]
                self.queue(s.text, src, src.line(s.node) if s.node else line, (via + " " + toks[i].lit + " -c").strip())
            return None
        if j < len(toks):
            script = toks[j].text
            if script.endswith("isp.sh") and j + 1 < len(toks) and toks[j + 1].lit == "exec":
                return self.isp_exec(toks[j + 3:], src, line, stmt, via)
            return None  # a script file: the project's own (scanned itself) or generated
        self.heredoc_script(stmt, src, line, via + " " + toks[i].lit)
        return None

    def python_args(self, toks, i, src, line, stmt, via):
        for j in range(i + 1, len(toks)):
            if toks[j].lit == "-c" and j + 1 < len(toks):
                self.py_pending.append((src.path, toks[j + 1].text, line, (via + " python3 -c").strip(), False))
                return None
            if toks[j].lit == "-":
                for r in stmt.get("Redirs", []):
                    if r.get("Hdoc"):
                        code = word_text(r["Hdoc"], src)
                        if r["Op"] == 62:
                            code = re.sub(r"(?m)^\t+", "", code)
                        self.py_pending.append((src.path, code, src.line(r["Hdoc"]), (via + " python3 -").strip(), False))
                return None
            if toks[j].lit in ("-m",) or not (toks[j].lit or "").startswith("-"):
                return None
        return None

    def isp_exec(self, rest, src, line, stmt, via):
        """isp.sh exec RUNDIR (CMD ARG... | SCRIPT | -): rest (after RUNDIR) runs inside the UML,
        in a shell there (a command and its arguments are quoted into one)."""
        via = (via + " isp exec").strip()
        if len(rest) == 1 and rest[0].lit == "-":
            self.heredoc_script(stmt, src, line, via)
        elif len(rest) == 1 and rest[0].pos is None:
            self.queue(rest[0].text, src, src.line(rest[0].node) if rest[0].node else line, via)
        elif rest:
            return self.command(rest, 0, src, line, stmt, {}, False, via)
        return None

    def heredoc_script(self, stmt, src, line, via):
        for r in stmt.get("Redirs", []):
            if r.get("Hdoc"):
                self.queue(word_text(r["Hdoc"], src), src, src.line(r["Hdoc"]), via.strip() + " <<")

    def queue(self, text, src, line, via):
        if text.strip():
            self.pending.append(Src(src.path, text, line, via))

    def use(self, cmd, src, line, via):
        self.uses.append((cmd, src.path, line, via))

    # -- walking a syntax tree
    def walk(self, node, src, env):
        if isinstance(node, list):
            for x in node:
                self.walk(x, src, env)
            return
        if not isinstance(node, dict):
            return
        t = node.get("Type")
        if t == "FuncDecl":
            self.walk(node["Body"], src, env)
            return
        if t == "ForClause" and node["Loop"].get("Type") == "WordIter":
            loop = node["Loop"]
            vals = [word_lit(w) for w in loop.get("Items", [])]
            self.walk(loop.get("Items", []), src, env)
            if loop.get("Items") and all(v is not None for v in vals):
                for v in vals:  # each value once (a command "$v" or command -v "$v")
                    self.walk(node["Do"], src, dict(env, **{loop["Name"]["Value"]: v}))
            else:
                self.walk(node["Do"], src, env)
            return
        if "Cmd" in node and node.get("Cmd") and node["Cmd"].get("Type") == "CallExpr":
            self.call(node, src, env)
            self.walk(node.get("Redirs", []), src, env)
            return
        if "Cmd" in node and "Redirs" in node:  # a compound command with redirections
            self.walk(node["Cmd"], src, env)
            self.walk(node["Redirs"], src, env)
            return
        for v in node.values():
            if isinstance(v, list) or isinstance(v, dict) and "Offset" not in v:
                self.walk(v, src, env)

    def call(self, stmt, src, env):
        ce = stmt["Cmd"]
        self.walk(ce.get("Assigns", []), src, env)
        args = ce.get("Args", [])
        self.walk(args, src, env)  # command substitutions in the words
        if not args:
            return
        line = src.line(args[0])
        toks = tokens_of(args, src, env)
        self.command(toks, 0, src, line, stmt, env, via=src.via)
        self.script_file_heredoc(stmt, toks, src, line)

    def script_file_heredoc(self, stmt, toks, src, line):
        """cat >FILE.sh <<EOF ... EOF: the heredoc is a script the test runs later."""
        if not toks or toks[0].lit != "cat":
            return
        redirs = stmt.get("Redirs", [])
        if any(r["Op"] in (OP_OUT, OP_APPEND, OP_CLOBBER, OP_ALL_OUT) and word_text(r["Word"], src).endswith(".sh") for r in redirs):
            self.heredoc_script(stmt, src, line, "script written by cat")

    # -- functions that run their arguments ("$@") are wrappers: in_cli, t_check, sd, ...
    def collect_funcs(self, node, src):
        if isinstance(node, list):
            for x in node:
                self.collect_funcs(x, src)
        elif isinstance(node, dict):
            if node.get("Type") == "FuncDecl":
                self.funcs.setdefault(node["Name"]["Value"], []).append((src.path, node["Body"], src))
            for v in node.values():
                if isinstance(v, list) or isinstance(v, dict) and "Offset" not in v:
                    self.collect_funcs(v, src)

    def find_wrappers(self):
        for _ in range(6):
            changed = False
            for name, defs in self.funcs.items():
                skips = set()
                for _path, body, src in defs:
                    k = self.body_runs_args(body, src)
                    if k is not None:
                        skips.add(k)
                if len(skips) == 1:
                    k = skips.pop()
                    if self.fwrap.get(name) != k:
                        self.fwrap[name] = k
                        changed = True
            if not changed:
                return

    def body_runs_args(self, body, src):
        calls = []
        collect_calls(body, calls)
        shifts = 0
        saved = (len(self.uses), len(self.dynamic), len(self.pending), len(self.py_pending))
        found = None
        for stmt in calls:
            args = stmt["Cmd"].get("Args", [])
            if not args:
                continue
            if word_lit(args[0]) == "shift":
                n = word_lit(args[1]) if len(args) > 1 else "1"
                shifts += int(n) if n and n.isdigit() else 1
                continue
            r = self.command(tokens_of(args, src, {}, shifts), 0, src, 0, stmt, {})
            if r and r[0] == "args":
                found = r[1] - 1
                break
        del self.uses[saved[0]:], self.dynamic[saved[1]:], self.pending[saved[2]:], self.py_pending[saved[3]:]
        return found


def collect_calls(node, out):
    if isinstance(node, list):
        for x in node:
            collect_calls(x, out)
    elif isinstance(node, dict):
        if node.get("Type") == "FuncDecl":
            return
        if node.get("Cmd") and node["Cmd"].get("Type") == "CallExpr":
            out.append(node)
        for v in node.values():
            if isinstance(v, list) or isinstance(v, dict) and "Offset" not in v:
                collect_calls(v, out)


def own_programs(top):
    """The project's programs: meson executables, the scripts in tests/ and bench/."""
    names = {"v6link"}
    for d, dirs, files in os.walk(top):
        dirs[:] = [x for x in dirs if not x.startswith((".", "build")) and x != "seeds"]
        for f in files:
            p = os.path.join(d, f)
            if f == "meson.build":
                names |= set(re.findall(r"executable\(\s*'([^']+)'", open(p, errors="replace").read()))
            elif f.endswith((".sh", ".py")):
                names.add(f)
    return names


# ---------------------------------------------------------------------------------------------
# Python: subprocess.* and os.system/os.exec* calls with a literal program.
PY_RUNNERS = {"run", "call", "check_call", "check_output", "Popen", "getoutput", "getstatusoutput",
              "system", "popen", "execvp", "execlp", "execv", "execl", "spawnlp", "spawnvp"}


def py_commands(scan, path, code, base_line, via, strict):
    try:
        tree = ast.parse(code)
    except SyntaxError as e:
        if strict:
            scan.errors.append("%s:%s: Python syntax error: %s" % (path, base_line + (e.lineno or 1) - 1, e.msg))
        return  # (code inside a shell string may hold shell expansions)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        f = node.func
        name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else None
        if name not in PY_RUNNERS and name != "which":
            continue
        line = base_line + node.lineno - 1
        a0 = node.args[0]
        if name == "which" and isinstance(a0, ast.Constant) and isinstance(a0.value, str):
            scan.uses.append((a0.value, path, line, (via + " which").strip()))
            continue
        shell = any(k.arg == "shell" and isinstance(k.value, ast.Constant) and k.value.value for k in node.keywords)
        if isinstance(a0, ast.Constant) and isinstance(a0.value, str):
            if shell or name in ("system", "popen", "getoutput", "getstatusoutput"):
                scan.pending.append(Src(path, a0.value, line, (via + " python " + name).strip()))
            else:
                toks = [Tok(lit=a0.value, text=a0.value)]
                scan.command(toks, 0, Src(path, ""), line, {}, {}, True, via)
        elif isinstance(a0, (ast.List, ast.Tuple)):
            toks = [Tok(lit=e.value, text=e.value) if isinstance(e, ast.Constant) and isinstance(e.value, str)
                    else Tok(text=ast.unparse(e)) for e in a0.elts]
            if name.startswith(("exec", "spawn")) and len(node.args) > 1:
                continue
            scan.command(toks, 0, Src(path, ""), line, {}, {}, True, via)
        elif name.startswith(("exec", "spawn")) and isinstance(a0, ast.Constant) and isinstance(a0.value, str):
            scan.command([Tok(lit=a0.value, text=a0.value)], 0, Src(path, ""), line, {}, {}, True, via)


# ---------------------------------------------------------------------------------------------
def scan_files(top, files):
    scan = Scan(top)
    srcs = [Src(os.path.relpath(f, top), open(f, errors="replace").read()) for f in files if f.endswith(".sh")]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as ex:
        trees = list(ex.map(lambda s: shfmt_parse(s.text), srcs))
    parsed = []
    for s, (tree, err) in zip(srcs, trees):
        if tree is None:
            scan.errors.append("%s: shfmt cannot parse it: %s" % (s.path, err))
            continue
        scan.collect_funcs(tree, s)
        parsed.append((s, tree))
    scan.find_wrappers()
    for s, tree in parsed:
        scan.walk(tree, s, {})
    for f in files:
        if f.endswith(".py"):
            py_commands(scan, os.path.relpath(f, top), open(f, errors="replace").read(), 1, "", True)
    # strings that are scripts (bash -c, isp exec, heredocs, eval, trap, python), in rounds
    seen = set()
    for _ in range(5):
        pend, scan.pending = scan.pending, []
        for path, code, line, via, strict in scan.py_pending:
            py_commands(scan, path, code, line, via, strict)
        scan.py_pending = []
        pend += scan.pending
        scan.pending = []
        pend = [s for s in pend if (s.path, s.base_line, s.text) not in seen]
        if not pend:
            break
        for s, (tree, err) in zip(pend, parse_batch(pend)):
            seen.add((s.path, s.base_line, s.text))
            if tree is None:
                # a string with expansions that only make sense once expanded: report, go on
                scan.errors.append("%s:%d: (%s) string not parsed as shell: %s" % (s.path, s.base_line, s.via, err))
                continue
            scan.collect_funcs(tree, s)
            scan.walk(tree, s, {})
    return scan


def parse_batch(srcs):
    """Parses many small scripts with one shfmt run: each becomes a { ...; } block of one file.
    Rewrites each Src to slice that file, with base_line mapping its lines back. Falls back to
    one run each when the batch does not parse (then each error is its own)."""
    text, starts = [], []
    n = 1
    for s in srcs:
        body = s.text if s.text.endswith("\n") else s.text + "\n"
        starts.append(n + 1)
        text.append("{\n" + body + "}\n")
        n += 2 + body.count("\n")
    batch = "".join(text)
    tree, _err = shfmt_parse(batch)
    if tree is None or len(tree.get("Stmts", [])) != len(srcs):
        return [shfmt_parse(s.text) for s in srcs]
    out = []
    for s, st, stmt in zip(srcs, starts, tree["Stmts"]):
        s.text, s.raw = batch, batch.encode()
        s.base_line = s.base_line - st + 1
        out.append(({"Type": "File", "Stmts": stmt["Cmd"].get("Stmts", [])}, None))
    return out


def script_files(top):
    out = []
    for sub in ("tests", "bench"):
        for d, dirs, files in os.walk(os.path.join(top, sub)):
            dirs[:] = sorted(x for x in dirs if x != "seeds")
            out += [os.path.join(d, f) for f in sorted(files) if f.endswith((".sh", ".py"))]
    return out


# ---------------------------------------------------------------------------------------------
# Packages: DEBS, what they pull in, Essential/required; and which package has a command.
def read_debs(makefile):
    text = open(makefile).read().replace("\\\n", " ")
    m = re.search(r"(?m)^DEBS\s*[:?]?=(.*)$", text)
    if not m:
        sys.exit("deps: no DEBS = line in %s" % makefile)
    return m.group(1).split()


def installed_packages():
    fmt = "${db:Status-Abbrev}\t${Package}\t${Essential}\t${Priority}\t${Pre-Depends}\t${Depends}\t${Provides}\n"
    out = subprocess.run(["dpkg-query", "-W", "-f=" + fmt], capture_output=True, text=True).stdout
    pkgs, provides = {}, {}
    for ln in out.splitlines():
        f = ln.split("\t")
        if len(f) < 7 or not f[0].startswith("ii"):
            continue
        pkgs[f[1]] = {"essential": f[2] == "yes", "priority": f[3], "deps": f[4] + ", " + f[5]}
        for p in f[6].split(","):
            p = re.sub(r"\(.*?\)|:\S+", "", p).strip()
            if p:
                provides.setdefault(p, set()).add(f[1])
    return pkgs, provides


def closure(debs, pkgs, provides):
    """package -> why it is allowed ('DEBS', 'via X' for X in DEBS, 'Essential', 'required').
    For 'a | b' the first alternative that is installed counts, as apt would pick the first."""
    why = {}
    queue = []
    for p in debs:
        why[p] = "DEBS"
        queue.append((p, p))
    for p, info in pkgs.items():
        if p not in why and (info["essential"] or info["priority"] == "required"):
            why[p] = "Essential" if info["essential"] else "required"
            queue.append((p, None))
    while queue:
        p, root = queue.pop()
        for group in pkgs.get(p, {}).get("deps", "").split(","):
            for alt in group.split("|"):
                name = re.sub(r"\(.*?\)|\[.*?\]|<.*?>", "", alt).strip().split(":")[0]
                cands = [name] if name in pkgs else sorted(provides.get(name, ()))
                if not cands:
                    continue
                for c in cands:
                    if c not in why:
                        why[c] = ("via " + root) if root else why[p]
                        queue.append((c, root))
                break
    return why


def variants(p):
    out = [p]
    for a, b in (("/usr/bin/", "/bin/"), ("/usr/sbin/", "/sbin/"), ("/usr/lib/", "/lib/")):
        if p.startswith(a):
            out.append(b + p[len(a):])
        elif p.startswith(b):
            out.append(a + p[len(b):])
    return out


def locate(cmd):
    """(path in the standard PATH or None, where it is elsewhere in $PATH or None)."""
    if cmd.startswith("/"):
        return (cmd if os.path.exists(cmd) else None), None
    for d in STD_PATH:
        p = os.path.join(d, cmd)
        if os.path.isfile(p) and os.access(p, os.X_OK):
            return p, None
    for d in os.environ.get("PATH", "").split(":"):
        p = os.path.join(d, cmd)
        if d and os.path.isfile(p) and os.access(p, os.X_OK):
            return None, p
    return None, None


def dpkg_owners(paths):
    owners = {}
    if not paths:
        return owners
    out = subprocess.run(["dpkg", "-S"] + sorted(paths), capture_output=True, text=True).stdout
    for ln in out.splitlines():
        if ln.startswith("diversion by") or ": " not in ln:
            continue
        pk, path = ln.split(": ", 1)
        owners.setdefault(path, set()).update(x.strip().split(":")[0] for x in pk.split(","))
    return owners


def check(scan, debs):
    pkgs, provides = installed_packages()
    why = closure(debs, pkgs, provides)
    cmds = sorted({u[0] for u in scan.uses})
    where = {}
    for c in cmds:
        where[c] = locate(c)
    groups = {}
    for c, (p, _elsewhere) in where.items():
        if p:
            groups[c] = [variants(p), variants(os.path.realpath(p))]
    owners = dpkg_owners({v for g in groups.values() for vs in g for v in vs})
    first = {}
    for u in scan.uses:
        first.setdefault(u[0], u)
    waived = {c for c in cmds if all((c, u[1]) in NOT_INSTALLED_ON_PURPOSE for u in scan.uses if u[0] == c)}
    rows, fails = [], []
    for c in cmds:
        _cmd, path, line, via = first[c]
        at = "%s:%d%s" % (path, line, " (via %s)" % via if via else "")
        sites = sorted({"%s:%d" % (u[1], u[2]) for u in scan.uses if u[0] == c})
        n = len([u for u in scan.uses if u[0] == c])
        at_all = at + ("; also " + ", ".join(s for s in sites[:6] if s != "%s:%d" % (path, line))
                       + (" and %d more" % (len(sites) - 7) if len(sites) > 7 else "") if len(sites) > 1 else "")
        p, elsewhere = where[c]
        if c in waived:
            rows.append("  %-22s %-26s %-22s %3dx, first %s" % (c, "-", "(left out on purpose)", n, at))
            continue
        if not p:
            inst = [d for d in debs if d == c and d not in pkgs]
            msg = "found only at %s, which no Debian package installs" % elsewhere if elsewhere else "not installed"
            fails.append("%s: %s; called at %s%s" % (c, msg, at_all,
                         " (DEBS has package %s: run make deps)" % inst[0] if inst else
                         "; install its package and add it to DEBS in the Makefile"))
            continue
        bad = None
        found = []
        for vs in groups[c]:
            o = set().union(*(owners.get(v, set()) for v in vs))
            if not o:
                continue
            ok = sorted(x for x in o if x in why)
            found.append(ok[0] if ok else sorted(o)[0])
            if not ok:
                bad = sorted(o)
        if not found:
            fails.append("%s: %s is in no Debian package (installed by hand?); called at %s" % (c, p, at_all))
            continue
        if bad:
            fails.append("%s: package %s (%s) is not in DEBS, not pulled in by a package in DEBS, and not "
                         "Essential/required; called at %s" % (c, ", ".join(bad), p, at_all))
            continue
        pk = found[0]
        rows.append("  %-22s %-26s %-22s %3dx, first %s" % (c, pk, "(" + why[pk] + ")", n, at))
    return rows, fails, why, pkgs


def run_check(top, makefile):
    debs = read_debs(makefile)
    files = script_files(top)
    scan = scan_files(top, files)
    rows, fails, why, _pkgs = check(scan, debs)
    ncmd = len({u[0] for u in scan.uses})
    print("deps: %d scripts in tests/ and bench/: %d calls of %d external commands; %d command words "
          "that only expand at run time skipped; %d functions, of them %d run their arguments (%s)" % (
              len(files), len(scan.uses), ncmd, len(scan.dynamic), len(scan.funcs), len(scan.fwrap),
              " ".join(sorted(scan.fwrap))))
    print("deps: allowed: %d packages in DEBS (%s), %d with what they pull in and Essential/required" % (
        len(debs), os.path.relpath(makefile, top) if makefile.startswith(top) else makefile, len(why)))
    print("  %-22s %-26s %-22s calls" % ("command", "package", "(why allowed)"))
    for r in rows:
        print(r)
    if VERBOSE:
        for u in sorted(scan.uses, key=lambda u: (u[1], u[2])):
            print("  use: %s:%d %s%s" % (u[1], u[2], u[0], " (via %s)" % u[3] if u[3] else ""))
        for d in scan.dynamic:
            print("  dynamic: %s:%d %s" % (d[1], d[2], d[0]))
    for (c, script), why in sorted(NOT_INSTALLED_ON_PURPOSE.items()):
        print("deps: not installed on purpose: %s in %s: %s" % (c, script, why))
    for e in scan.errors:
        print("deps: note: %s" % e)
    for f in fails:
        print("deps: FAIL: %s" % f)
    hard = [e for e in scan.errors if "shfmt cannot parse" in e or "Python syntax error" in e]
    for e in hard:
        print("deps: FAIL: %s" % e)
    ok = not fails and not hard
    print("deps: %s: %d commands checked, %d failures" % ("PASS" if ok else "FAIL", ncmd, len(fails) + len(hard)))
    return ok


# ---------------------------------------------------------------------------------------------
FIXTURE_SH = r'''#!/bin/bash
# a comment: rm -rf / ; wget is not called
source "$(dirname "$0")/lib.sh"
in_ns() { ip netns exec "$NS" "$@"; }
named() { local n=$1; shift; if "$@"; then echo "ok $n"; fi; }
twice() { in_ns "$@"; in_ns "$@"; }
helper() { sort -u; }
echo "grep inside a string: not a command; $(hostname) is"
x=$(uname -r) y=`id -u` && printf '%s\n' "$x" | tr a b || true
in_ns ping -c 1 ::1 >/dev/null
named "a check" bash -c 'ethtool -k eth0 | head -1'
twice timeout -s KILL 5 tcpdump -i any
helper </dev/null
env A=1 B=2 setsid -f dnsmasq --no-daemon &
for tool in dig curl; do command -v "$tool" >/dev/null || exit 1; done
cat >"$T/conf.ini" <<EOF
sed -n 1p is configuration text here, $(basename /x) is run
EOF
cat >"$T/hook.sh" <<'EOF'
modprobe ppp_generic   # a script the test writes: checked
EOF
isp exec "ss -tln; awk '{print}' /proc/net/dev"
isp exec ip -br link
bash "$T_HERE/isp.sh" exec "$RUN" tc qdisc show
eval 'iperf3 --version'
trap 'rmdir "$T"' EXIT
"$V6L_BIN" status
./build/v6link version && /usr/sbin/radvd -v
python3 - <<'PYEOF'
import subprocess
subprocess.run(["tshark", "-v"])  # ["not", "this"]
PYEOF
case "$1" in ls) stat . ;; esac
'''
FIXTURE_PY = '''import os, subprocess
"""docstring: subprocess.run(["nope"])"""
subprocess.check_output(["nsenter", "-t", "1", "-n", "ss", "-s"])
os.system("ndisc6 -h")
'''
FIXTURE_WANT = {"hostname", "dirname", "uname", "id", "tr", "ip", "ping", "bash", "ethtool", "head", "timeout",
                "tcpdump", "sort", "env", "setsid", "dnsmasq", "dig", "curl", "cat", "basename",
                "modprobe", "ss", "awk", "tc", "iperf3", "rmdir", "/usr/sbin/radvd", "python3",
                "tshark", "stat", "nsenter", "ndisc6"}


def self_test(top):
    import tempfile
    with tempfile.TemporaryDirectory(prefix="v6l-deps.") as d:
        sub = os.path.join(d, "tests")
        os.makedirs(sub)
        open(os.path.join(sub, "fixture.sh"), "w").write(FIXTURE_SH)
        open(os.path.join(sub, "fixture.py"), "w").write(FIXTURE_PY)
        open(os.path.join(sub, "lib.sh"), "w").write('isp() { bash "$T_HERE/isp.sh" "$1" "$ISP_RUN" "${@:2}"; }\n')
        scan = scan_files(d, script_files(d))
    got = {u[0] for u in scan.uses}
    lines = {u[0]: u[2] for u in scan.uses if u[1].endswith("fixture.sh")}
    ok = got == FIXTURE_WANT and lines.get("ethtool") == 11 and lines.get("modprobe") == 20
    ok = ok and sorted(scan.fwrap.items()) == [("in_ns", 0), ("named", 1), ("twice", 0)]
    if not ok:
        print("deps: FAIL: extractor self-test: missing %s, unexpected %s, wrappers %s, lines %s" % (
            sorted(FIXTURE_WANT - got), sorted(got - FIXTURE_WANT), scan.fwrap, lines))
    else:
        print("deps: extractor self-test passed (%d commands found in a fixture, none from comments, "
              "strings or a configuration heredoc)" % len(got))
    return ok


makefile = os.path.join(TOP, "Makefile")
if "--makefile" in ARGS:
    makefile = os.path.abspath(ARGS[ARGS.index("--makefile") + 1])
ok = self_test(TOP)
if "--self-test-only" not in ARGS:
    ok = run_check(TOP, makefile) and ok
sys.exit(0 if ok else 1)
PY
