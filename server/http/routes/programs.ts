import { Router } from "express";
import { newId, newProgramKey } from "../../domain/ids.js";
import type { Program } from "../../domain/types.js";
import type { AppContext } from "../context.js";
import { notFound } from "../errors.js";
import { parseRequest } from "../parse.js";
import { presentProgram } from "../present.js";
import { idParam, listQuery, programCreate, programUpdate } from "../schemas.js";

export function programRoutes(ctx: AppContext): Router {
  const router = Router();

  const load = async (workspaceId: string, id: string): Promise<Program> => {
    const program = await ctx.store.getProgram(workspaceId, id);
    if (!program) throw notFound(`Program ${id}`);
    return program;
  };

  router.post("/programs", async (req, res) => {
    const body = parseRequest(programCreate, req.body);
    const program: Program = { id: newId("prg"), workspaceId: res.locals.workspace.id, key: newProgramKey(), ...body, createdAt: ctx.now() };
    await ctx.store.createProgram(program);
    res.status(201).json(presentProgram(program));
  });

  router.get("/programs", async (req, res) => {
    const q = parseRequest(listQuery, req.query);
    const page = await ctx.store.listPrograms(res.locals.workspace.id, q);
    res.json({ data: page.data.map(presentProgram), nextCursor: page.nextCursor });
  });

  router.get("/programs/:id", async (req, res) => {
    const { id } = parseRequest(idParam, req.params);
    res.json(presentProgram(await load(res.locals.workspace.id, id)));
  });

  router.patch("/programs/:id", async (req, res) => {
    const { id } = parseRequest(idParam, req.params);
    const changes = parseRequest(programUpdate, req.body);
    const program = await ctx.store.updateProgram(res.locals.workspace.id, id, stripUndefined(changes));
    if (!program) throw notFound(`Program ${id}`);
    res.json(presentProgram(program));
  });

  router.delete("/programs/:id", async (req, res) => {
    const { id } = parseRequest(idParam, req.params);
    await load(res.locals.workspace.id, id);
    await ctx.store.deleteProgram(res.locals.workspace.id, id);
    res.status(204).end();
  });

  return router;
}

export function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
