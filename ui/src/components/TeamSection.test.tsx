import { act, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { i18n } from "../i18n";
import { fakeBackend, renderWithApp, settle } from "../test-utils";
import { TeamSection } from "./TeamSection";

const DB = "postgres://ada@db.team.example:5432/genqueue";

describe("Settings → Team queue", () => {
  it("tests the connection, says what is wrong, joins with the password kept in the keyring, and leaves", async () => {
    const fake = fakeBackend("ready");
    renderWithApp(<TeamSection />);
    await settle();
    const user = userEvent.setup();
    expect(screen.getByTestId("team-status")).toHaveTextContent("This machine's own queue");
    expect(screen.getByLabelText("Your name in the team")).toHaveValue("ada");
    expect(screen.getByText(/with this machine \(ada-laptop\)/)).toBeInTheDocument();

    // A password inside the address is refused in the form; nothing is sent.
    await user.type(screen.getByLabelText("Database address"), "postgres://ada:hunter2@db.team.example:5432/genqueue");
    await user.click(screen.getByRole("button", { name: "Test connection" }));
    expect(await screen.findByText("Remove the password from the address and type it in the password field.")).toBeInTheDocument();
    expect(screen.queryByTestId("team-check")).toBeNull();

    await user.clear(screen.getByLabelText("Database address"));
    await user.type(screen.getByLabelText("Database address"), DB);
    await user.click(screen.getByRole("button", { name: "Test connection" }));
    expect(await screen.findByTestId("team-check")).toHaveTextContent("The server asks for a password: type it in the password field.");

    await user.type(screen.getByLabelText("Password"), "wrong one");
    await user.click(screen.getByRole("button", { name: "Test connection" }));
    await settle();
    expect(screen.getByTestId("team-check")).toHaveTextContent("The server refused the password.");

    await user.clear(screen.getByLabelText("Password"));
    await user.type(screen.getByLabelText("Password"), "correct horse");
    await user.click(screen.getByRole("button", { name: "Test connection" }));
    await settle();
    expect(screen.getByTestId("team-check")).toHaveTextContent("Connected. The database has no Genqueue tables yet: Join creates them.");

    await user.clear(screen.getByLabelText("Your name in the team"));
    await user.type(screen.getByLabelText("Your name in the team"), "Ada L.");
    await user.click(screen.getByRole("button", { name: "Join" }));
    await settle();
    expect(screen.getByTestId("team-status")).toHaveTextContent(`On the team database ${DB} as “Ada L.”.`);
    expect(fake.team.password).toBe("correct horse");
    expect(fake.team.setting).toEqual({ database_url: DB, member: "Ada L." });
    expect(fake.team.reopened).toBe(1);
    // The password left the form once sent; the page never shows it back.
    expect(screen.getByLabelText("Password")).toHaveValue("");
    expect(document.body.textContent).not.toContain("correct horse");
    expect(screen.getByText("A password is kept in the keyring: leave this empty to use it.")).toBeInTheDocument();

    // Leave asks first.
    await user.click(screen.getByRole("button", { name: "Leave the team" }));
    expect(screen.getByText(/Leave the team database\?/)).toBeInTheDocument();
    await user.click(screen.getAllByRole("button", { name: "Leave the team" })[0]);
    await settle();
    expect(screen.getByTestId("team-status")).toHaveTextContent("This machine's own queue");
    expect(fake.team.password).toBeNull();
    expect(fake.team.reopened).toBe(2);
  }, 30_000);

  it("names an unreachable server, refused TLS and a schema too new, and does not join", async () => {
    const fake = fakeBackend("ready");
    fake.team.databases.set("postgres://ada@db.team.example:5432/newer", { password: "pw", schema: 12 });
    renderWithApp(<TeamSection />);
    await settle();
    const user = userEvent.setup();
    const address = screen.getByLabelText("Database address");
    await user.type(address, "postgres://ada@nowhere.example:5432/genqueue");
    await user.type(screen.getByLabelText("Password"), "pw");
    await user.click(screen.getByRole("button", { name: "Join" }));
    await settle();
    expect(screen.getByTestId("team-check")).toHaveTextContent(/The database cannot be reached: check the host and port.*Connection refused/);
    expect(fake.team.active).toBeNull();

    await user.clear(address);
    await user.type(address, `${DB}?sslmode=require`);
    await user.click(screen.getByRole("button", { name: "Test connection" }));
    await settle();
    expect(screen.getByTestId("team-check")).toHaveTextContent(/TLS failed: .*server does not support TLS/);

    await user.clear(address);
    await user.type(address, "postgres://ada@db.team.example:5432/newer");
    await user.click(screen.getByRole("button", { name: "Join" }));
    await settle();
    expect(screen.getByTestId("team-check")).toHaveTextContent("A newer Genqueue has updated this database (schema version 12; this one knows up to 7): update Genqueue on this machine.");
    expect(fake.team.active).toBeNull();
    expect(fake.team.reopened).toBe(0);

    await act(async () => {
      await i18n.changeLanguage("ru");
    });
    await user.click(screen.getByRole("button", { name: "Проверить подключение" }));
    await settle();
    expect(screen.getByTestId("team-check")).toHaveTextContent("Эту базу обновил более новый Genqueue (версия схемы 12, этот знает до 7)");
    await act(async () => {
      await i18n.changeLanguage("en");
    });
  }, 30_000);

  it("leaves the choice to GENQUEUE_DATABASE_URL when it is set, and says why the team database did not open at start", async () => {
    const fake = fakeBackend("ready");
    fake.team.fromEnv = true;
    fake.team.active = DB;
    fake.team.member = "ada";
    fake.team.startError = "cannot open the database postgres://ada@db.team.example:5432/genqueue: error connecting to server";
    renderWithApp(<TeamSection />);
    await settle();
    expect(screen.getByTestId("team-status")).toHaveTextContent(`GENQUEUE_DATABASE_URL chooses the database (${DB})`);
    expect(screen.getByLabelText("Database address")).toBeDisabled();
    expect(screen.getByRole("button", { name: "Join" })).toBeDisabled();
    expect(screen.queryByRole("button", { name: "Leave the team" })).toBeNull();
    expect(screen.getByTestId("team-start-error")).toHaveTextContent("could not be opened when Genqueue started, so this machine's own queue is shown");
  }, 20_000);
});
