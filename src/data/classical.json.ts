// Study 9 (PCA, clustering, classical classifiers) for the current profile, with the write-up's
// reference figures; computes and stores the result first when it is missing (progress on stderr).
import { ensureClassical, readSettings } from "../../loaders/classical.ts";
import { currentProfile } from "../../loaders/suite.ts";

const profile = currentProfile();
const settings = readSettings();
const { result } = await ensureClassical(profile, { settings });
process.stdout.write(JSON.stringify({ ...result, reference: settings.reference }));
