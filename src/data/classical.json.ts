// Study 9 (PCA, clustering, classical classifiers) for the current profile, with the write-up's
// reference figures; computes and stores the result first when it is missing (progress on stderr).
import { ensureClassical } from "../../loaders/classical/classical.ts";
import { currentProfile } from "../../loaders/config.ts";
import { readSettings } from "../../loaders/classical/settings.ts";

const profile = currentProfile();
const settings = readSettings();
const { result } = await ensureClassical(profile, { settings });
process.stdout.write(JSON.stringify({ ...result, reference: settings.reference }));
