import { githubContract } from "./support/contract-github.js";
import { landingContract } from "./support/contract-landing.js";
import { nodeLeaseContract } from "./support/contract-node-leases.js";
import { landQueueContract } from "./support/contract-land-queue.js";
import { leaseContract } from "./support/contract-lease.js";
import { reviewContract } from "./support/contract-review.js";
import { schedulingContract } from "./support/contract-scheduling.js";
import { taskContract } from "./support/contract-tasks.js";

taskContract("sqlite");
schedulingContract("sqlite");
leaseContract("sqlite");
reviewContract("sqlite");
landingContract("sqlite");
nodeLeaseContract("sqlite");
landQueueContract("sqlite");
githubContract("sqlite");
