import { z } from "zod";
import { createTaskBody } from "../tasks/task-schemas.js";

/** `POST /v1/schedules`: the cron is checked by croner in the route (a 400 naming it). */
export const createScheduleBody = z.strictObject({
  name: z.string().trim().min(1).max(200),
  cron: z.string().trim().min(1).max(200),
  timezone: z.string().trim().min(1).max(100),
  catchUp: z.enum(["one", "none"]).default("one"),
  /** What each fire creates: the fields of `POST /v1/tasks` except those naming one moment or task. */
  task: createTaskBody.omit({ dependsOn: true, notBefore: true })
});

export const scheduleParams = z.object({ schedule_id: z.string().min(1).max(200) });
