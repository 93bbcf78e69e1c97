import { leaseContract } from "./support/contract-lease.js";
import { schedulingContract } from "./support/contract-scheduling.js";
import { taskContract } from "./support/contract-tasks.js";

taskContract("sqlite");
schedulingContract("sqlite");
leaseContract("sqlite");
