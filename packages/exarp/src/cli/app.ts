// What the command line needs from the core to open a project and decide who acts; loaded lazily.
export { actorFromEnv, parseActorName, parseSessionId } from "../app/actor.ts";
export { initProject, openProject } from "../app/project.ts";
