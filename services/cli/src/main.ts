#!/usr/bin/env node
/**
 * `mingfang`: the one command of the platform — demo, serve, migrate, seed, assessment, verify-archive,
 * models retrain|rollback, user add|passwd, backup, restore.
 */
import { Command, Option } from "commander";
import { run } from "./commands.js";

const program = new Command()
  .name("mingfang")
  .description("Mingfang (明坊) — remote video supervision of high-risk food workshops")
  .showHelpAfterError();

program
  .command("demo")
  .description("start the whole platform on embedded defaults with the seeded pilot workshops and demo users")
  .option("--port <port>", "HTTP port (default: PORT or 8080)")
  .option("--data-dir <dir>", "data directory (default: DATA_DIR or ./data)")
  .option("--cameras <n>", "simulated cameras to run: the first camera of the first N pilot workshops", "42")
  .action((o) => run("demo", o));

program
  .command("serve")
  .description("run the platform's roles in this process")
  .option("--roles <roles>", "comma-separated subset of api,ingest,analytics", "api,ingest,analytics")
  .action((o) => run("serve", o));

program
  .command("migrate")
  .description("apply the database migrations and exit")
  .action(() => run("migrate", {}));

program
  .command("seed")
  .description("load the 18 stations of Annex 1 and the 42 pilot workshops (idempotent)")
  .option("--demo-users", "also create the demo users with MINGFANG_DEMO_PASSWORD")
  .action((o) => run("seed", o));

program
  .command("assessment")
  .description("write the year-end assessment (年终考核) workbook: a summary sheet and one sheet per station")
  .requiredOption("--year <year>", "the year, 2020 to this year (this year: up to today)")
  .option("--station <station>", "one station (id or code, e.g. mingshui) with the district beside it")
  .requiredOption("--out <file>", "the workbook to write (.xlsx)")
  .action((o) => run("assessment", o));

program
  .command("verify-archive <file>")
  .description(
    "check a case archive (案卷 ZIP) against its manifest.json and SHA256SUMS: OK, MISMATCH, MISSING or EXTRA per file; exits 1 on any problem",
  )
  .action((file) => run("verify-archive", { file }));

program
  .command("backup")
  .description(
    "back up the PostgreSQL database (pg_dump -Fc) and DATA_DIR/media (evidence, clips, recordings, photos) into a new directory, with manifest.json and SHA256SUMS",
  )
  .requiredOption("--out <dir>", "a new or empty directory")
  .action((o) => run("backup", o));

program
  .command("restore")
  .description(
    "restore a backup: check every file against its manifest, then pg_restore --clean --if-exists into DATABASE_URL and put the media files back (stop the platform first)",
  )
  .requiredOption("--from <dir>", "a directory written by mingfang backup")
  .action((o) => run("restore", o));

const models = program
  .command("models")
  .description("retrain a check's classifier on the supervisors' feedback");
models
  .command("retrain")
  .description(
    "fine-tune the check's classifier on a feedback export plus its base training set, measure old and new on the same held-out sets, install the new one only if it is not worse on either (exit 2 when refused)",
  )
  .requiredOption(
    "--check <check>",
    "the check whose classifier to retrain (models/tools/retrain-checks.json: no_hat, no_gloves, no_mask)",
  )
  .option("--feedback <file>", "dataset.tar.gz exported by GET /api/feedback/dataset.tar.gz")
  .option("--epochs <n>", "fine-tuning epochs (default 6; 0: measure only, never install)")
  .option("--lr <rate>", "learning rate (default 0.0003)")
  .option("--base-limit <n>", "train on at most this many base crops (the held-out sets stay whole)")
  .option(
    "--base-data <dir>",
    "the base dataset, for classifiers trained on one (no_gloves: gloved-hand-vs-bare-hand; no_mask: face-mask-cc0-voc)",
  )
  .option(
    "--strict",
    "refuse on any net loss (accuracy and recall each >= old) instead of allowing the noise of a paired comparison",
  )
  .option("--python <path>", "the Python with torch (default /usr/bin/python3)")
  .action((o) => run("models-retrain", o));
models
  .command("rollback")
  .description(
    "put the check's previous model version back (the committed model when no older install is kept)",
  )
  .requiredOption("--check <check>", "the check, e.g. no_hat")
  .action((o) => run("models-rollback", o));

const user = program.command("user").description("manage users");
user
  .command("add <username>")
  .description("create a user; the password is read from standard input")
  .addOption(
    new Option("--role <role>", "role")
      .choices(["bureau_admin", "station_staff", "duty_officer", "brigade_officer"])
      .makeOptionMandatory(),
  )
  .option("--station <code>", "station code (pinyin, e.g. mingshui) for station roles")
  .option("--display-name <name>", "display name")
  .action((username, o) => run("user-add", { ...o, username }));
user
  .command("passwd <username>")
  .description("set a user's password (read from standard input) and end their sessions")
  .action((username) => run("user-passwd", { username }));

await program.parseAsync(process.argv);
