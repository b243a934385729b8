// Tests import core modules one by one, not through the library entry that provides zod: provide it.
import { z } from "zod";
import { provideZod } from "../../src/kernel/zod.ts";

provideZod(z);
